import Foundation

/// Long CPU or blocking work, run on a thread of its own rather than Swift's cooperative pool.
///
/// The pool has one thread per core and serves every request; a mapping load or a pass over the suppression list
/// takes that long, so it runs here, at the lowest CPU priority (nice 19): on a busy machine it yields to requests
/// instead of taking a core from them.
enum OffPool {
    /// Runs `body` on a new low-priority thread and returns what it returns, or throws what it throws.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                #if os(Linux)
                    // On Linux a nice value belongs to the thread, and `who` 0 is the calling thread: only this one
                    // is lowered.
                    _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
                #endif
                continuation.resume(with: Result { try body() })
            }
            thread.name = "optout-bridge-offpool"
            thread.start()
        }
    }

    /// ``run(_:)`` for work that cannot fail.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        // `body` does not throw, so neither does the call.
        try! await run { () throws -> T in body() }
    }
}
