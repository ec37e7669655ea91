/// The deadlines of the requests waiting for their results, in the order they come due.
///
/// A deadline is its request's start plus a timeout, and the dispatcher's waiters have one or two timeouts (the sync
/// wait of requests, the campaign sweep's delete wait). So each timeout's deadlines arrive in order, and a queue per
/// timeout keeps them in order with no sorting: adding one and expiring one cost a few stores. A heap of every
/// request's deadline, most of them for requests answered long before, cost 0.8 % of the process under full load to
/// keep. Entries of waiters already answered stay until they come due, and are then skipped by their owner.
struct WaiterDeadlines {
    private struct Queue {
        let timeout: Duration
        var entries = FIFOQueue<(deadline: ContinuousClock.Instant, id: Int)>()
    }

    private var queues: [Queue] = []

    /// Records waiter `id`'s deadline, `timeout` after `now`; `now` never goes back between calls.
    mutating func add(_ id: Int, timeout: Duration, now: ContinuousClock.Instant) {
        let index =
            queues.firstIndex { $0.timeout == timeout }
            ?? {
                queues.append(Queue(timeout: timeout))
                return queues.count - 1
            }()
        queues[index].entries.append((now.advanced(by: timeout), id))
    }

    /// The earliest deadline recorded, if any.
    var next: ContinuousClock.Instant? {
        queues.compactMap(\.entries.first?.deadline).min()
    }

    /// Takes out the waiters whose deadline is `now` or earlier, earliest first within each timeout.
    mutating func removeDue(now: ContinuousClock.Instant) -> [Int] {
        var due: [Int] = []
        for index in queues.indices {
            while let (deadline, id) = queues[index].entries.first, deadline <= now {
                due.append(id)
                _ = queues[index].entries.popFirst()
            }
        }
        return due
    }
}
