import Foundation

/// Runs blocking socket work on a thread of its own.
///
/// Blocking calls made directly in an async test would occupy one of the few threads of Swift's cooperative pool
/// (two on this machine), which the server's handlers need too: tests would starve the server they test.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            continuation.resume(with: Result { try work() })
        }
        thread.stackSize = 1 << 20
        thread.start()
    }
}
