import Synchronization

/// Work handed over from many threads and taken all at once by a single drain loop: the shape of group commit.
///
/// ``add(_:)`` says whether the caller must start the drain loop (none is running). The loop calls
/// ``takeAll()`` until it returns nothing; from then on the next ``add(_:)`` starts a new loop. So exactly one loop
/// runs while there is work, and everything that arrived while it was busy goes out together in its next turn.
final class GroupQueue<Item: Sendable>: Sendable {
    private struct State {
        var items: [Item] = []
        var draining = false
    }

    private let state = Mutex(State())

    /// How many items wait for the loop's next turn.
    var count: Int { state.withLock { $0.items.count } }

    /// Queues `item`; true when no drain loop runs, so that the caller must start one.
    func add(_ item: Item) -> Bool {
        state.withLock { state in
            state.items.append(item)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
    }

    /// Everything queued so far, for the drain loop; empty when nothing is left, and the loop must then return.
    func takeAll() -> [Item] {
        state.withLock { state in
            if state.items.isEmpty { state.draining = false }
            defer { state.items = [] }
            return state.items
        }
    }
}
