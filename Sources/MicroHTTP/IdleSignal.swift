import Dispatch
import Synchronization

/// Wakes whoever waits for a count of work in progress to fall to zero, so that a shutdown waits for an event rather
/// than polling the count.
///
/// The count itself stays with its owner (an atomic, or a field under the owner's lock); the owner calls
/// ``reachedZero()`` whenever it brings the count to zero. The path that does so costs one atomic load while nobody
/// waits. The owner's decrement and the `isIdle` checks given to the waits must be sequentially consistent: a waiter
/// publishes itself before it checks the count, and the owner changes the count before it checks for waiters, so one
/// of the two always sees the other.
final class IdleSignal: Sendable {
    private enum Waiter {
        case task(CheckedContinuation<Void, Never>)
        case thread(DispatchSemaphore)

        func resume() {
            switch self {
            case .task(let continuation): continuation.resume()
            case .thread(let semaphore): semaphore.signal()
            }
        }
    }

    private struct State {
        var nextID: UInt64 = 0
        var waiters: [UInt64: Waiter] = [:]
    }

    private let state = Mutex(State())
    /// How many wait, readable without the lock.
    private let waiting = Atomic<Int>(0)

    /// Wakes every waiter; the owner calls it after bringing the count to zero.
    func reachedZero() {
        guard waiting.load(ordering: .sequentiallyConsistent) > 0 else { return }
        let waiters = state.withLock { state in
            defer {
                state.waiters = [:]
                waiting.store(0, ordering: .sequentiallyConsistent)
            }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once `isIdle` holds, at `deadline`, or when the task is cancelled, whichever comes first.
    func wait(until deadline: ContinuousClock.Instant, isIdle: @escaping @Sendable () -> Bool) async {
        guard !isIdle() else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait(isIdle: isIdle) }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Blocks the calling thread until `isIdle` holds, or until `deadline` when there is one: for `deinit` and for
    /// waits of microseconds, where suspending is not possible or not worth it.
    func waitBlocking(until deadline: ContinuousClock.Instant? = nil, isIdle: () -> Bool) {
        guard !isIdle() else { return }
        let semaphore = DispatchSemaphore(value: 0)
        let id = register(.thread(semaphore))
        if isIdle() {
            wake(id)
        }
        guard let deadline else {
            semaphore.wait()
            return
        }
        let (seconds, attoseconds) = max(.zero, deadline - .now).components
        let nanoseconds = UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
        if semaphore.wait(timeout: .now() + .nanoseconds(Int(clamping: nanoseconds))) == .timedOut {
            // Signalled or not, the waiter goes; a signal that raced the timeout is left in a semaphore nobody uses.
            _ = remove(id)
        }
    }

    /// Returns once `isIdle` holds or the task is cancelled.
    private func wait(isIdle: @escaping @Sendable () -> Bool) async {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                register(.task(continuation), id: id)
                // Checked after publishing the waiter: a count that reached zero before it was published is seen here.
                if isIdle() || Task.isCancelled {
                    wake(id)
                }
            }
        } onCancel: {
            wake(id)
        }
    }

    private func register(_ waiter: Waiter) -> UInt64 {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        register(waiter, id: id)
        return id
    }

    private func register(_ waiter: Waiter, id: UInt64) {
        state.withLock { state in
            state.waiters[id] = waiter
            waiting.store(state.waiters.count, ordering: .sequentiallyConsistent)
        }
    }

    /// Resumes the waiter `id` unless someone else already did.
    private func wake(_ id: UInt64) {
        remove(id)?.resume()
    }

    private func remove(_ id: UInt64) -> Waiter? {
        state.withLock { state in
            defer { waiting.store(state.waiters.count, ordering: .sequentiallyConsistent) }
            return state.waiters.removeValue(forKey: id)
        }
    }
}
