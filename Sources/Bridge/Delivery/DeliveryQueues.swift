/// The dispatcher's waiting work, per `pearlId`: split batches first, then ready leads, then leads in backoff.
///
/// A value type, so batching and fairness are tested without sockets or clocks.
struct DeliveryQueues {
    private struct PearlQueue {
        /// Halves of a batch NLPearl refused: sent as they are, before anything else of this `pearlId`.
        var splits: [DeliveryBatch] = []
        var ready: [DeliveryItem] = []
        var readyHead = 0
        /// The end of the batch window opened by the first lead of a burst.
        var windowEnd: ContinuousClock.Instant?
        /// Leads of this `pearlId` in the backoff heap.
        var delayedCount = 0

        var readyCount: Int { ready.count - readyHead }
        var isEmpty: Bool { splits.isEmpty && readyCount == 0 && delayedCount == 0 }
    }

    private var queues: [String: PearlQueue] = [:]
    /// `pearlId`s in the order they are served, round robin, so one busy campaign cannot starve the others.
    private var order: [String] = []
    private var cursor = 0
    private var delayed = BinaryHeap<DeliveryItem>(by: { ($0.notBefore ?? .now) < ($1.notBefore ?? .now) })

    var isEmpty: Bool { queues.isEmpty }

    /// Adds one lead: into backoff when its `notBefore` is still ahead, else ready to go.
    mutating func add(_ item: DeliveryItem, now: ContinuousClock.Instant, windowEnd: ContinuousClock.Instant?) {
        let pearlId = item.lead.pearlId
        if queues[pearlId] == nil {
            queues[pearlId] = PearlQueue()
            order.append(pearlId)
        }
        if let notBefore = item.notBefore, notBefore > now {
            queues[pearlId]!.delayedCount += 1
            delayed.push(item)
            return
        }
        if queues[pearlId]!.readyCount == 0, let windowEnd {
            queues[pearlId]!.windowEnd = windowEnd
        }
        queues[pearlId]!.ready.append(item)
    }

    /// Adds a half of a refused batch, to be sent as it is.
    mutating func addSplit(_ batch: DeliveryBatch) {
        guard !batch.items.isEmpty else { return }
        if queues[batch.pearlId] == nil {
            queues[batch.pearlId] = PearlQueue()
            order.append(batch.pearlId)
        }
        queues[batch.pearlId]!.splits.append(batch)
    }

    /// The next call to make, if any work is due: the next `pearlId` in turn with work, up to `limit` distinct leads.
    mutating func nextBatch(now: ContinuousClock.Instant, limit: Int) -> DeliveryBatch? {
        promoteDue(now: now)
        for _ in 0..<order.count {
            if cursor >= order.count { cursor = 0 }
            let pearlId = order[cursor]
            cursor += 1
            if let batch = takeBatch(pearlId, now: now, limit: limit) {
                removeIfEmpty(pearlId)
                return batch
            }
        }
        return nil
    }

    /// When work that is not due yet will be: the end of a backoff or of a batch window.
    func nextDueTime(after now: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        var next = delayed.top?.notBefore
        for queue in queues.values where queue.readyCount > 0 {
            if let windowEnd = queue.windowEnd, windowEnd > now {
                next = min(next ?? windowEnd, windowEnd)
            }
        }
        return next
    }

    private mutating func promoteDue(now: ContinuousClock.Instant) {
        while let top = delayed.top, (top.notBefore ?? now) <= now {
            var item = delayed.pop()!
            item.notBefore = nil
            queues[item.lead.pearlId]!.delayedCount -= 1
            queues[item.lead.pearlId]!.ready.append(item)
        }
    }

    private mutating func takeBatch(_ pearlId: String, now: ContinuousClock.Instant, limit: Int) -> DeliveryBatch? {
        guard var queue = queues[pearlId] else { return nil }
        defer { queues[pearlId] = queue }
        if !queue.splits.isEmpty {
            return queue.splits.removeFirst()
        }
        guard queue.readyCount > 0 else { return nil }
        if let windowEnd = queue.windowEnd, windowEnd > now { return nil }
        queue.windowEnd = nil
        var leadIds = Set<String>()
        var end = queue.readyHead
        while end < queue.ready.count {
            let leadId = queue.ready[end].lead.leadId
            if !leadIds.contains(leadId) {
                guard leadIds.count < limit else { break }
                leadIds.insert(leadId)
            }
            end += 1
        }
        let items = Array(queue.ready[queue.readyHead..<end])
        queue.readyHead = end
        if queue.readyHead == queue.ready.count {
            queue.ready.removeAll(keepingCapacity: true)
            queue.readyHead = 0
        } else if queue.readyHead > 1024, queue.readyHead * 2 > queue.ready.count {
            queue.ready.removeFirst(queue.readyHead)
            queue.readyHead = 0
        }
        return DeliveryBatch(pearlId: pearlId, items: items)
    }

    private mutating func removeIfEmpty(_ pearlId: String) {
        guard queues[pearlId]?.isEmpty == true, let index = order.firstIndex(of: pearlId) else { return }
        queues[pearlId] = nil
        order.remove(at: index)
        if cursor > index { cursor -= 1 }
    }
}
