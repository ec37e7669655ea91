import Foundation
import TestSupport

@testable import Journal

/// Holds the journal's writer inside a transaction until released, so that every write queued meanwhile waits behind
/// it.
final class WriterHold: Sendable {
    private let released = DispatchSemaphore(value: 0)
    private let held: Task<Void, any Error>

    init(_ journal: Journal) async throws {
        let entered = DispatchSemaphore(value: 0)
        let released = released
        held = Task {
            try await journal.writer.write(durable: false) { _ in
                entered.signal()
                released.wait()
            }
        }
        try await blocking { entered.wait() }
    }

    func release() async throws {
        released.signal()
        try await held.value
    }
}
