import Synchronization

/// The fsync that makes one committed transaction durable: awaited, or known to have failed.
///
/// ``Journal/appendCommitted(_:)`` hands one out with what it committed, so that work which need not wait for the
/// disk (asking NLPearl to delete the leads) can start while the WAL is fsynced, and only the answer waits for both.
public final class Durability: Sendable {
    private enum State {
        case pending([CheckedContinuation<Void, any Error>])
        case finished(Result<Void, JournalError>)
    }

    private let state = Mutex(State.pending([]))

    init() {}

    /// Returns once the transaction is on disk, at once if it already is.
    ///
    /// Not cancellable, like the journal's writes: the caller must learn whether what it committed is durable.
    ///
    /// - Throws: ``JournalError`` (``JournalError/isUnavailable``) when the fsync failed; the transaction was then
    ///   committed but may not be on disk, and nothing may be acknowledged on its strength.
    public func wait() async throws {
        if let result = finished { return try result.get() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let result = state.withLock { state -> Result<Void, JournalError>? in
                switch state {
                case .pending(let waiting):
                    state = .pending(waiting + [continuation])
                    return nil
                case .finished(let result):
                    return result
                }
            }
            if let result { continuation.resume(with: result) }
        }
    }

    /// The fsync's result, once known.
    var finished: Result<Void, JournalError>? {
        state.withLock { state in
            if case .finished(let result) = state { return result }
            return nil
        }
    }

    /// Records the fsync's result and resumes every waiter; later calls are ignored.
    func finish(_ failure: JournalError?) {
        let result: Result<Void, JournalError> = failure.map { .failure($0) } ?? .success(())
        let waiting = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard case .pending(let waiting) = state else { return [] }
            state = .finished(result)
            return waiting
        }
        for continuation in waiting { continuation.resume(with: result) }
    }
}
