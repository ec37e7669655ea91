import Foundation
import OptOutCore

@testable import Journal

/// A unique temporary directory for one test, removed afterwards.
struct TemporaryDirectory: ~Copyable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("journal-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// The path of a file in the directory.
    func path(_ name: String) -> String {
        url.appendingPathComponent(name).path
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Runs `body` with a fresh journal in its own temporary directory.
func withJournal(_ body: (Journal, String) async throws -> Void) async throws {
    let directory = try TemporaryDirectory()
    let path = directory.path("journal.sqlite")
    let journal = try Journal(path: path)
    try await body(journal, path)
    try journal.close()
}

/// An opt-out with `count` leads of one pearl.
func sampleOptOut(
    source: String = "hubspot", key: String? = nil, leads count: Int = 1, prefix: String = "L",
    status: LeadStatus = .pending, receivedAt: Date = Date()
) -> Journal.NewOptOut {
    Journal.NewOptOut(
        source: source, idempotencyKey: key, keys: ["email:jane@example.com", "\(source):1246965"],
        leads: (0..<count).map { Lead(pearlId: "6720c0f8e4b0a1b2c3d4e5f6", leadId: "\(prefix)\($0)") },
        initialStatus: status, requestId: "req-1", receivedAt: receivedAt)
}

extension Journal.AppendResult {
    /// The record of a `.created` result, nil for a duplicate.
    var created: OptOutRecord? {
        if case .created(let record) = self { return record }
        return nil
    }
}
