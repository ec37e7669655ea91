import Foundation
import GRDB
import OptOutCore
import Testing

@testable import Journal

/// Storage failures.
///
/// Tests run as root, where a read-only mode on the file or directory does not stop writes. A full
/// disk is simulated with SQLite's `PRAGMA max_page_count` on the writer connection: once the database
/// may not grow, SQLite fails the write with the very error a full disk gives (`SQLITE_FULL`), through
/// the same code path. A removed database file is real.
@Suite("Storage failures")
struct JournalFailureTests {
    /// Caps the writer connection's database at its current size, or lifts the cap.
    private func limitGrowth(_ journal: Journal, _ limited: Bool) throws {
        try journal.pool.writeWithoutTransaction { db in
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(limited ? pages : 1_073_741_823)")
        }
    }

    /// An opt-out large enough to need new pages.
    private func bulky(_ key: String) -> Journal.NewOptOut {
        var optOut = sampleOptOut(key: key, leads: 50, prefix: key)
        optOut.keys = (0..<400).map { "email:someone-\($0)-with-a-long-address@example.com" }
        return optOut
    }

    @Test("With the disk full, appends throw and write nothing; once space is back the journal works on")
    func diskFullThenRecovers() async throws {
        try await withJournal { journal, _ in
            let kept = try await journal.append(sampleOptOut(key: "before")).record
            try limitGrowth(journal, true)

            let failedBefore = journal.statistics.failedTransactions
            let error = await #expect(throws: JournalError.self) {
                try await journal.append(bulky("full"))
            }
            #expect(error?.code == .unavailable)
            #expect(error?.isUnavailable == true)
            #expect(error?.message.contains("full") == true)
            #expect(journal.statistics.failedTransactions == failedBefore + 1)

            // Everything that shared the failed transaction failed with it.
            let results = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<8 {
                    group.addTask { (try? await journal.append(self.bulky("c\(i)"))) != nil }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.allSatisfy { !$0 })

            try limitGrowth(journal, false)
            let after = try await journal.append(bulky("full"))
            #expect(after.isDuplicate == false)
            #expect(try journal.list(limit: 100).map(\.id) == [after.record.id, kept.id])
            #expect(try await journal.pendingLeads().count == 51)
            #expect(await journal.checkWritable())
        }
    }

    @Test("Outcomes that cannot be written throw, and leave the leads as they were")
    func outcomesFailWhenFull() async throws {
        try await withJournal { journal, _ in
            let record = try await journal.append(sampleOptOut(leads: 200)).record
            try limitGrowth(journal, true)
            let outcomes = record.leads.map {
                Journal.LeadOutcome(
                    leadRowID: $0.rowID,
                    attempt: .init(at: Date(), outcome: "unavailable", detail: String(repeating: "x", count: 500)),
                    newStatus: .pending, nextAttemptAt: Date())
            }
            await #expect(throws: JournalError.self) { try await journal.recordOutcomes(outcomes) }
            #expect(try await journal.record(id: record.id)?.leads.allSatisfy { $0.attemptCount == 0 } == true)
            try limitGrowth(journal, false)
            try await journal.recordOutcomes(outcomes)
            #expect(try await journal.record(id: record.id)?.leads.allSatisfy { $0.attemptCount == 1 } == true)
        }
    }

    @Test("A removed database file is noticed: writes throw instead of going to an unlinked file")
    func removedFile() async throws {
        try await withJournal { journal, path in
            _ = try await journal.append(sampleOptOut(key: "a"))
            #expect(await journal.checkWritable())
            try FileManager.default.removeItem(atPath: path)
            let error = await #expect(throws: JournalError.self) {
                try await journal.append(sampleOptOut(key: "b"))
            }
            #expect(error?.code == .fileReplaced)
            #expect(error?.isUnavailable == true)
            #expect(await journal.checkWritable() == false)
        }
    }

    @Test("After close, writes and reads throw instead of hanging")
    func closedJournalThrows() async throws {
        let directory = try TemporaryDirectory()
        let journal = try Journal(path: directory.path("journal.sqlite"))
        try journal.close()
        let error = await #expect(throws: JournalError.self) {
            try await journal.append(sampleOptOut())
        }
        #expect(error?.isUnavailable == true)
        #expect(await journal.checkWritable() == false)
        #expect(throws: (any Error).self) { try journal.pendingLeads() }
    }
}
