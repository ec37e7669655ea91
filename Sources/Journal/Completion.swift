import Synchronization

/// The fsync that makes one committed transaction durable: awaited, or known to have failed.
///
/// ``Journal/appendCommitted(_:)`` hands one out with what it committed, so that work which need not wait for the
/// disk (asking NLPearl to delete the leads) can start while the WAL is fsynced, and only the answer waits for both.
public typealias Durability = Completion

/// A point that a write of the journal reaches later, its commit or the fsync that makes it durable: awaited, or known
/// to have failed.
///
/// ``Journal/queueOutcomes(_:)`` hands one out for the commit of the outcomes it queued, ``Journal/appendCommitted(_:)``
/// one for the fsync of the opt-outs it committed (``Durability``).
public final class Completion: Sendable {
    private enum State {
        case pending([CheckedContinuation<Void, any Error>])
        case finished(Result<Void, JournalError>)
    }

    private let state = Mutex(State.pending([]))

    init() {}

    /// A point already reached, for a write that had nothing to do.
    static var reached: Completion {
        let completion = Completion()
        completion.finish(nil)
        return completion
    }

    /// Returns once the point is reached (for a ``Durability``, once the transaction is on disk), at once if it
    /// already is.
    ///
    /// Not cancellable, like the journal's writes: the caller must learn whether what it wrote is committed or durable.
    ///
    /// - Throws: ``JournalError`` when the write failed. For a ``Durability``, when the fsync failed
    ///   (``JournalError/isUnavailable``): the transaction was then committed but may not be on disk, and nothing may be
    ///   acknowledged on its strength.
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

    /// The result, once known.
    var finished: Result<Void, JournalError>? {
        state.withLock { state in
            if case .finished(let result) = state { return result }
            return nil
        }
    }

    /// Records the result and resumes every waiter; later calls are ignored.
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
