import OptOutCore

/// The dispatcher's waiting work, per lane (``DeliveryLane``: a campaign's deletes, the blacklist, a campaign's
/// searches): split batches first, then ready leads, then leads in backoff.
///
/// Which `pearlId` goes next, when a call slot is free: the one with the fewest calls in flight, and among those the
/// one whose oldest lead has waited longest. So an idle campaign's lone opt-out never queues behind a busy campaign's
/// backlog, and otherwise leads leave in the order they came.
///
/// A `pearlId` that has no call in flight sends at once. One that already has a call in flight holds its new leads
/// until the oldest of them has waited `linger` (the dispatcher passes two fifths of the recent call duration) or a
/// full batch is ready: the leads that gather meanwhile leave together, so calls are spread over time instead of
/// coming in clumps that leave later leads waiting for a whole call to end.
///
/// A lane may be paused (NLPearl's 429 for that campaign): its work waits, and the others' goes on. The blacklist's
/// rows share one lane, so a 429 on the blacklist pauses the blacklist alone. A search names one contact key, so a
/// search lane's calls carry one row each (``DeliveryLane/maxBatch(_:)``). In what follows, "`pearlId`" is a lane.
///
/// A value type, so batching and fairness are tested without sockets or clocks.
struct DeliveryQueues {
    private struct Waiting {
        var item: DeliveryItem
        /// When it became ready to go.
        var since: ContinuousClock.Instant
        /// Arrival order over all `pearlId`s, for "oldest first".
        var sequence: Int
    }

    private struct PearlQueue {
        /// Halves of a batch NLPearl refused: sent as they are, before anything else of this `pearlId`.
        var splits: [DeliveryBatch] = []
        var ready = FIFOQueue<Waiting>()
        /// The end of the batch window opened by the first lead of a burst.
        var windowEnd: ContinuousClock.Instant?
        /// Leads of this `pearlId` in the backoff heap.
        var delayedCount = 0
        var callsInFlight = 0

        var readyCount: Int { ready.count }
        var oldest: Waiting? { ready.first }
        var isEmpty: Bool { splits.isEmpty && readyCount == 0 && delayedCount == 0 && callsInFlight == 0 }
        /// Whether a call could go now but for a pause.
        var hasWorkReady: Bool { !splits.isEmpty || readyCount > 0 }

        /// Whether this `pearlId` has a call to make now; the order key among those that have, smallest first.
        func candidate(now: ContinuousClock.Instant, limit: Int, linger: Duration) -> (Int, Int)? {
            if !splits.isEmpty { return (callsInFlight, Int.min) }
            guard let oldest else { return nil }
            if let windowEnd, windowEnd > now { return nil }
            guard callsInFlight == 0 || readyCount >= limit || now - oldest.since >= linger else { return nil }
            return (callsInFlight, oldest.sequence)
        }

        /// The next call's leads: a refused batch's half as it is, or the oldest ready leads, up to `limit` distinct.
        mutating func take(limit: Int) -> [DeliveryItem] {
            if !splits.isEmpty {
                return splits.removeFirst().items
            }
            windowEnd = nil
            var leadIds = Set<String>()
            var end = 0
            while end < ready.count {
                let leadId = ready[end].item.lead.leadId
                if !leadIds.contains(leadId) {
                    guard leadIds.count < limit else { break }
                    leadIds.insert(leadId)
                }
                end += 1
            }
            return ready.removeFirst(end).map(\.item)
        }

        /// When this `pearlId`'s ready leads will have a call to make, if not now.
        func dueTime(now: ContinuousClock.Instant, linger: Duration) -> ContinuousClock.Instant? {
            guard splits.isEmpty, let oldest else { return nil }
            if let windowEnd, windowEnd > now { return windowEnd }
            guard callsInFlight > 0 else { return nil }
            let due = oldest.since.advanced(by: linger)
            return due > now ? due : nil
        }
    }

    private var queues: [DeliveryLane: PearlQueue] = [:]
    /// `pearlId`s held back until then; kept apart from ``queues`` so that a pause outlives a queue that empties.
    private var pauses: [DeliveryLane: ContinuousClock.Instant] = [:]
    private var delayed = BinaryHeap<DeliveryItem>(by: { ($0.notBefore ?? .now) < ($1.notBefore ?? .now) })
    private var arrivals = 0

    var isEmpty: Bool { queues.isEmpty }

    /// Adds one lead: into backoff when its `notBefore` is still ahead, else ready to go.
    mutating func add(_ item: DeliveryItem, now: ContinuousClock.Instant, windowEnd: ContinuousClock.Instant?) {
        let pearlId = item.lane
        if let notBefore = item.notBefore, notBefore > now {
            queues[pearlId, default: PearlQueue()].delayedCount += 1
            delayed.push(item)
            return
        }
        let opensWindow = (queues[pearlId]?.readyCount ?? 0) == 0
        makeReady(item, now: now)
        if opensWindow, let windowEnd {
            queues[pearlId]!.windowEnd = windowEnd
        }
    }

    /// Adds a half of a refused batch, to be sent as it is.
    mutating func addSplit(_ batch: DeliveryBatch) {
        guard !batch.items.isEmpty else { return }
        queues[batch.lane, default: PearlQueue()].splits.append(batch)
    }

    /// Sends nothing of `pearlId` before `until` (a later pause wins over an earlier one).
    mutating func pause(_ pearlId: DeliveryLane, until: ContinuousClock.Instant) {
        pauses[pearlId] = max(pauses[pearlId] ?? until, until)
    }

    /// The next call to make, if any work is due, up to `limit` distinct leads; counted in flight until
    /// ``callFinished(_:)``.
    mutating func nextBatch(now: ContinuousClock.Instant, limit: Int, linger: Duration = .zero) -> DeliveryBatch? {
        promoteDue(now: now)
        if !pauses.isEmpty { pauses = pauses.filter { $0.value > now } }
        var best: (pearlId: DeliveryLane, key: (Int, Int))?
        for (pearlId, queue) in queues where pauses[pearlId] == nil {
            guard let key = queue.candidate(now: now, limit: pearlId.maxBatch(limit), linger: linger) else { continue }
            if best == nil || key < best!.key { best = (pearlId, key) }
        }
        guard let pearlId = best?.pearlId else { return nil }
        let batch = DeliveryBatch(lane: pearlId, items: queues[pearlId]!.take(limit: pearlId.maxBatch(limit)))
        queues[pearlId]!.callsInFlight += 1
        return batch
    }

    /// Frees the call slot that ``nextBatch(now:limit:linger:)`` counted for `pearlId`.
    mutating func callFinished(_ pearlId: DeliveryLane) {
        queues[pearlId]?.callsInFlight -= 1
        removeIfEmpty(pearlId)
    }

    /// When work that is not due yet will be: the end of a backoff, of a batch window, of a linger or of a pause.
    func nextDueTime(after now: ContinuousClock.Instant, linger: Duration = .zero) -> ContinuousClock.Instant? {
        var next = delayed.top?.notBefore
        for (pearlId, queue) in queues {
            if let until = pauses[pearlId], until > now {
                if queue.hasWorkReady { next = min(next ?? until, until) }
                continue
            }
            if let due = queue.dueTime(now: now, linger: linger) {
                next = min(next ?? due, due)
            }
        }
        return next
    }

    private mutating func makeReady(_ item: DeliveryItem, now: ContinuousClock.Instant) {
        arrivals += 1
        queues[item.lane, default: PearlQueue()].ready.append(
            Waiting(item: item, since: now, sequence: arrivals))
    }

    private mutating func promoteDue(now: ContinuousClock.Instant) {
        while let top = delayed.top, (top.notBefore ?? now) <= now {
            var item = delayed.pop()!
            item.notBefore = nil
            queues[item.lane]!.delayedCount -= 1
            makeReady(item, now: now)
        }
    }

    private mutating func removeIfEmpty(_ pearlId: DeliveryLane) {
        if queues[pearlId]?.isEmpty == true { queues[pearlId] = nil }
    }
}

/// Work that travels together: the deletes of one campaign, the blacklist (whose rows share the empty `pearlId`), or
/// the searches of one campaign. Each lane has its own queue, call count and pause.
struct DeliveryLane: Hashable, Sendable {
    var kind: ActionKind
    var pearlId: String

    /// The most rows one call of this lane carries: `limit` for deletes and the blacklist, one for a search, which
    /// names one contact key.
    func maxBatch(_ limit: Int) -> Int {
        kind == .search ? 1 : limit
    }
}
