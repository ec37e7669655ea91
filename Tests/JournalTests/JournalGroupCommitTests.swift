import Dispatch
import Foundation
import GRDB
import OptOutCore
import Testing

@testable import Journal

@Suite("Group commit and durability settings")
struct JournalGroupCommitTests {
    @Test("Concurrent appends share far fewer transactions than there are appends")
    func concurrentAppendsShareTransactions() async throws {
        try await withJournal { journal, _ in
            let count = 200
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for i in 0..<count {
                    group.addTask { try await journal.append(sampleOptOut(key: "evt-\(i)")).record.id }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(ids.count == count)
            let statistics = journal.statistics
            #expect(statistics.operations == count)
            #expect(statistics.transactions <= count / 4)
            #expect(statistics.largestGroup > 1)
            #expect(try journal.list(limit: 1000).count == count)
        }
    }

    @Test("Everything queued while the writer is busy goes out in one transaction")
    func queuedWorkIsOneTransaction() async throws {
        try await withJournal { journal, _ in
            // Hold the writer as a long fsync would, so that every append below queues behind it.
            let release = DispatchSemaphore(value: 0)
            journal.pool.asyncWriteWithoutTransaction { _ in release.wait() }
            // The first append starts the drain, which waits behind the blocker; the rest queue.
            let count = 50
            let before = journal.statistics
            let appends = Task {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<count {
                        group.addTask { _ = try await journal.append(sampleOptOut(key: "k\(i)")) }
                    }
                    group.addTask {
                        try await journal.recordOutcomes([
                            Journal.LeadOutcome(
                                leadRowID: 999_999, attempt: .init(at: Date(), outcome: "deleted"), newStatus: .deleted)
                        ])
                    }
                    try await group.waitForAll()
                }
            }
            while journal.writer.queuedCount < count + 1 {
                try await Task.sleep(for: .milliseconds(5))
            }
            release.signal()
            try await appends.value
            let after = journal.statistics
            // The outcome went first in a quick transaction of its own; the appends shared one fsync.
            #expect(after.transactions - before.transactions == 2)
            #expect(after.durableTransactions - before.durableTransactions == 1)
            #expect(after.operations - before.operations == count + 1)
            #expect(after.largestGroup == count)
        }
    }

    @Test("The database runs in WAL mode with synchronous=FULL and a busy timeout")
    func durabilityPragmas() async throws {
        try await withJournal { journal, _ in
            let (mode, synchronous, timeout) = try journal.pool.writeWithoutTransaction { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                    try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                    try Int.fetchOne(db, sql: "PRAGMA busy_timeout")
                )
            }
            #expect(mode == "wal")
            #expect(synchronous == 2)  // FULL
            #expect(timeout == 5000)
            let readerSynchronous = try journal.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(readerSynchronous == 2)
        }
    }

    @Test("Outcomes alone commit without an fsync; any durable work in the group makes it FULL again")
    func outcomesAloneSkipTheFsync() async throws {
        try await withJournal { journal, _ in
            let record = try await journal.append(sampleOptOut(key: "k", leads: 1)).record
            let before = journal.statistics
            let synchronous = { @Sendable (db: Database) in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(try await journal.writer.write(durable: false, synchronous) == 1)  // NORMAL
            try await journal.recordOutcomes([
                Journal.LeadOutcome(
                    leadRowID: record.leads[0].rowID, attempt: .init(at: Date(), outcome: "deleted"),
                    newStatus: .deleted)
            ])
            var after = journal.statistics
            #expect(after.transactions - before.transactions == 2)
            #expect(after.durableTransactions == before.durableTransactions)
            #expect(try await journal.record(id: record.id)?.leads[0].status == .deleted)
            // The next append is fsynced again.
            #expect(try await journal.writer.write(synchronous) == 2)  // FULL
            _ = try await journal.append(sampleOptOut(key: "k2"))
            after = journal.statistics
            #expect(after.durableTransactions - before.durableTransactions == 2)
        }
    }

    @Test("Closing and reopening keeps pending work and outcomes, and the schema is migrated once")
    func reopenKeepsPendingWork() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("journal.sqlite")
        var journal = try Journal(path: path)
        let record = try await journal.append(sampleOptOut(key: "k", leads: 3)).record
        try await journal.recordOutcomes([
            Journal.LeadOutcome(
                leadRowID: record.leads[0].rowID, attempt: .init(at: Date(), outcome: "deleted", httpStatus: 200),
                newStatus: .deleted)
        ])
        try journal.close()
        journal = try Journal(path: path)
        let pending = try await journal.pendingLeads()
        #expect(pending.map(\.leadRowID) == record.leads.dropFirst().map(\.rowID))
        #expect(pending.allSatisfy { $0.optOutID == record.id && $0.receivedAt == record.receivedAt })
        #expect(try await journal.record(id: record.id)?.leads[0].status == .deleted)
        #expect(try await journal.append(sampleOptOut(key: "k")).isDuplicate)
        try journal.close()
    }

    @Test("The writability probe succeeds through the writer")
    func writabilityProbe() async throws {
        try await withJournal { journal, _ in
            let before = journal.statistics.transactions
            #expect(await journal.checkWritable())
            #expect(journal.statistics.transactions == before + 1)
        }
    }
}
