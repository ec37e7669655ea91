import Dispatch
import Foundation
import GRDB
import OptOutCore
import Synchronization
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
            // The appends and the outcome shared one transaction, and the appends one fsync.
            #expect(after.transactions - before.transactions == 1)
            #expect(after.durableTransactions - before.durableTransactions == 1)
            #expect(after.walSyncs - before.walSyncs == 1)
            #expect(after.operations - before.operations == count + 1)
            #expect(after.largestGroup == count + 1)
        }
    }

    private struct JobFailed: Error, Equatable {}

    private static func values(_ journal: Journal) async throws -> [String] {
        try await journal.pool.read { db in try String.fetchAll(db, sql: "SELECT v FROM t ORDER BY v") }
    }

    @Test("A job alone in its transaction that fails rolls back what it wrote, with its own error")
    func aLoneJobFails() async throws {
        try await withJournal { journal, _ in
            try await journal.pool.writeWithoutTransaction { try $0.execute(sql: "CREATE TABLE t (v TEXT)") }
            await #expect(throws: JobFailed()) {
                try await journal.writer.write { db in
                    try db.execute(sql: "INSERT INTO t VALUES ('lost')")
                    throw JobFailed()
                }
            }
            #expect(try await Self.values(journal) == [])
            try await journal.writer.write { try $0.execute(sql: "INSERT INTO t VALUES ('kept')") }
            #expect(try await Self.values(journal) == ["kept"])
            #expect(journal.statistics.failedTransactions == 0)
        }
    }

    @Test("A job that fails in a group fails alone: what it wrote is rolled back, the others commit together")
    func aJobFailsInAGroup() async throws {
        try await withJournal { journal, _ in
            try await journal.pool.writeWithoutTransaction { try $0.execute(sql: "CREATE TABLE t (v TEXT)") }
            let before = journal.statistics
            let outcomes = try await Self.writeInOneGroup(
                journal, ["a", "failing", "b"], describe: { $0 is JobFailed ? "its own error" : "\($0)" }
            ) { value, db in
                try db.execute(sql: "INSERT INTO t VALUES (?)", arguments: [value])
                if value == "failing" { throw JobFailed() }
            }
            #expect(outcomes == ["a: committed", "b: committed", "failing: its own error"])
            #expect(try await Self.values(journal) == ["a", "b"])
            #expect(journal.statistics.transactions - before.transactions == 1)
        }
    }

    @Test("A job whose statement rolls the whole transaction back (OR ROLLBACK) fails alone; the others commit")
    func aJobRollsTheTransactionBack() async throws {
        try await withJournal { journal, _ in
            try await journal.pool.writeWithoutTransaction { db in
                try db.execute(sql: "CREATE TABLE t (v TEXT UNIQUE); INSERT INTO t VALUES ('taken')")
            }
            let outcomes = try await Self.writeInOneGroup(
                journal, ["a", "taken", "b"],
                describe: { ($0 as? DatabaseError)?.resultCode == .SQLITE_CONSTRAINT ? "constraint" : "\($0)" }
            ) { value, db in
                try db.execute(sql: "INSERT OR ROLLBACK INTO t VALUES (?)", arguments: [value])
            }
            #expect(outcomes == ["a: committed", "b: committed", "taken: constraint"])
            #expect(try await Self.values(journal) == ["a", "b", "taken"])
        }
    }

    @Test("A job that goes on after its statement rolled the transaction back fails its group: nothing is committed")
    func aJobThatSwallowsARollbackFailsItsGroup() async throws {
        try await withJournal { journal, _ in
            try await journal.pool.writeWithoutTransaction { db in
                try db.execute(sql: "CREATE TABLE t (v TEXT UNIQUE); INSERT INTO t VALUES ('taken')")
            }
            let before = journal.statistics
            let outcomes = try await Self.writeInOneGroup(
                journal, ["a", "taken", "b"],
                describe: { ($0 as? JournalError)?.isUnavailable == true ? "unavailable" : "\($0)" }
            ) { value, db in
                // Against the rule: the error of a statement that ends the transaction must be let through.
                try? db.execute(sql: "INSERT OR ROLLBACK INTO t VALUES (?)", arguments: [value])
            }
            #expect(outcomes == ["a: unavailable", "b: unavailable", "taken: unavailable"])
            #expect(try await Self.values(journal) == ["taken"])
            #expect(journal.statistics.failedTransactions - before.failedTransactions == 1)
        }
    }

    /// Queues one write per value while the writer is held, so that they all go into one group, then lets it go.
    ///
    /// - Returns: `value: committed`, or `value: ` and `describe(error)`, for each value, sorted.
    private static func writeInOneGroup(
        _ journal: Journal, _ values: [String], describe: @escaping @Sendable (any Error) -> String,
        _ body: @escaping @Sendable (String, Database) throws -> Void
    ) async throws -> [String] {
        let release = DispatchSemaphore(value: 0)
        journal.pool.asyncWriteWithoutTransaction { _ in release.wait() }
        let writes = Task {
            await withTaskGroup(of: String.self) { group in
                for value in values {
                    group.addTask {
                        do {
                            try await journal.writer.write { db in try body(value, db) }
                            return value + ": committed"
                        } catch {
                            return value + ": " + describe(error)
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }.sorted()
            }
        }
        while journal.writer.queuedCount < values.count {
            try await Task.sleep(for: .milliseconds(5))
        }
        release.signal()
        return await writes.value
    }

    @Test("The database runs in WAL mode with synchronous=NORMAL and a busy timeout; appends fsync the WAL")
    func durabilityPragmas() async throws {
        try await withJournal { journal, _ in
            let (mode, synchronous, timeout) = try await journal.pool.writeWithoutTransaction { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                    try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                    try Int.fetchOne(db, sql: "PRAGMA busy_timeout")
                )
            }
            #expect(mode == "wal")
            #expect(synchronous == 1)  // NORMAL: WALSyncer does the fsync
            #expect(timeout == 5000)
            let before = journal.statistics.walSyncs
            _ = try await journal.append(sampleOptOut(key: "k"))
            #expect(journal.statistics.walSyncs == before + 1)
        }
    }

    @Test("A background checkpoint copies the whole WAL into the database; the writer's own is only a backstop")
    func backgroundCheckpoints() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("journal.sqlite")
        let journal = try Journal(path: path)
        let autocheckpoint = try await journal.pool.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint")
        }
        #expect(autocheckpoint == Checkpointer.backstopPages)
        for i in 0..<20 {
            _ = try await journal.append(sampleOptOut(key: "k\(i)"))
        }
        // Within a few 50 ms turns, a checkpoint has seen the last commit and copied every frame.
        let deadline = ContinuousClock.now + .seconds(10)
        var statistics = journal.checkpointer.statistics
        while !(statistics.checkpoints > 0 && statistics.last.walFrames > 0
            && statistics.last.checkpointedFrames == statistics.last.walFrames), ContinuousClock.now < deadline
        {
            try await Task.sleep(for: .milliseconds(20))
            statistics = journal.checkpointer.statistics
        }
        #expect(statistics.checkpoints > 0)
        #expect(statistics.last.walFrames > 0)
        #expect(statistics.last.checkpointedFrames == statistics.last.walFrames)
        // Its connection closes with the journal, so SQLite removes the WAL as it does for a journal without one.
        try journal.close()
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(try Journal(path: path).list(limit: 100).count == 20)
    }

    @Test("An append returns only after an fsync that began after its commit; outcomes do not wait for one")
    func appendsWaitForALaterFsync() async throws {
        let syncs = HeldSyncs()
        let directory = try TemporaryDirectory()
        let journal = try Journal(path: directory.path("journal.sqlite"), syncer: WALSyncer(sync: syncs.sync))
        syncs.release(1)
        let record = try await journal.append(sampleOptOut(key: "first")).record

        // A's commit starts fsync 2, which is held. B commits meanwhile, so its waiter goes to fsync 3.
        let a = Task { try await journal.append(sampleOptOut(key: "a")) }
        try await syncs.waitUntilStarted(2)
        let b = Task { try await journal.append(sampleOptOut(key: "b")) }
        while journal.statistics.durableTransactions < 3 {
            try await Task.sleep(for: .milliseconds(2))
        }
        // An outcome committed while the fsync is held is answered at once.
        try await journal.recordOutcomes([
            Journal.LeadOutcome(
                leadRowID: record.leads[0].rowID, attempt: .init(at: Date(), outcome: "deleted"), newStatus: .deleted)
        ])
        #expect(try await journal.record(id: record.id)?.leads[0].status == .deleted)

        syncs.release(2)
        _ = try await a.value
        try await syncs.waitUntilStarted(3)
        try await Task.sleep(for: .milliseconds(50))
        #expect(syncs.finished == 2)  // B is still waiting for fsync 3, though it committed during fsync 2
        syncs.release(3)
        _ = try await b.value
        #expect(journal.statistics.walSyncs == 3)
        try journal.close()
    }

    @Test("appendCommitted returns at the commit, and its Durability ends with the fsync that follows")
    func appendCommittedReturnsBeforeTheFsync() async throws {
        let syncs = HeldSyncs()
        let directory = try TemporaryDirectory()
        let journal = try Journal(path: directory.path("journal.sqlite"), syncer: WALSyncer(sync: syncs.sync))
        // Fsync 1 is held: the commit is readable, and the caller has its result, before it ends.
        let (results, durable) = try await journal.appendCommitted([sampleOptOut(key: "early")])
        let record = try #require(results.first?.created)
        #expect(try await journal.record(id: record.id)?.leads.count == 1)
        try await syncs.waitUntilStarted(1)
        let waiter = Task { try await durable.wait() }
        try await Task.sleep(for: .milliseconds(50))
        #expect(durable.finished == nil)
        syncs.release(1)
        try await waiter.value
        #expect(syncs.finished == 1)
        try await durable.wait()  // once finished, at once
        try journal.close()
    }

    @Test("After a failed fsync every durable write fails as unavailable, even when the disk would sync again")
    func aFailedFsyncPoisonsTheJournal() async throws {
        let calls = Mutex(0)
        let syncer = WALSyncer { () throws(JournalError) in
            let call = calls.withLock {
                $0 += 1
                return $0
            }
            if call == 2 { throw JournalError(code: .unavailable, message: "fsync failed: Input/output error") }
        }
        try await withJournal(syncer: syncer) { journal in
            _ = try await journal.append(sampleOptOut(key: "fine"))
            for key in ["lost", "after"] {
                await #expect {
                    _ = try await journal.append(sampleOptOut(key: key))
                } throws: { error in
                    (error as? JournalError)?.isUnavailable == true && "\(error)".contains("Input/output error")
                }
            }
            #expect(await journal.checkWritable() == false)
            #expect(calls.withLock { $0 } == 2)  // the sync is not tried again: it could report a lost page clean
            // "lost" was committed before its fsync failed; "after" and later ones are refused before they run.
            await #expect(throws: JournalError.self) {
                _ = try await journal.appendCommitted([sampleOptOut(key: "later")])
            }
            #expect(try journal.list(limit: 10).compactMap(\.idempotencyKey).sorted() == ["fine", "lost"])
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

/// A sync for ``WALSyncer`` that the test holds: fsync N waits until `release(N)`.
private final class HeldSyncs: Sendable {
    private struct State {
        var started = 0
        var finished = 0
        var released: Set<Int> = []
    }
    private let state = Mutex(State())

    var finished: Int { state.withLock { $0.finished } }

    /// Called by the syncer on its own queue, so blocking here blocks only the fsync loop.
    var sync: @Sendable () throws(JournalError) -> Void {
        { [self] () throws(JournalError) in
            let number = state.withLock {
                $0.started += 1
                return $0.started
            }
            while !state.withLock({ $0.released.contains(number) }) { usleep(1_000) }
            state.withLock { $0.finished += 1 }
        }
    }

    func release(_ number: Int) {
        state.withLock { _ = $0.released.insert(number) }
    }

    func waitUntilStarted(_ number: Int) async throws {
        while state.withLock({ $0.started < number }) {
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}

private func withJournal(syncer: WALSyncer, _ body: (Journal) async throws -> Void) async throws {
    let directory = try TemporaryDirectory()
    let journal = try Journal(path: directory.path("journal.sqlite"), syncer: syncer)
    try await body(journal)
    try journal.close()
}
