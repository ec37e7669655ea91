import GRDB
import GRDBSQLite
import OptOutCore
import Synchronization

/// Funnels every write of the journal into shared transactions: group commit.
///
/// A caller enqueues a piece of work and suspends. One drain loop, running on the pool's serial
/// writer queue (a dedicated dispatch queue, since GRDB writes block), takes *everything* queued and runs
/// it in one `BEGIN IMMEDIATE` transaction. While one transaction runs, new work piles up and goes out
/// together in the next one, and no caller waits for a timer.
///
/// The connection commits with `synchronous=NORMAL`, so COMMIT does not wait for the disk. *Durable* work (an
/// append, a requeue, a prune, the health probe) is resumed only once ``WALSyncer`` has fsynced the WAL after the
/// commit: the same promise as `synchronous=FULL`, but the writer commits the next group during that fsync instead
/// of waiting for it, and N concurrent writers share far fewer than N fsyncs. ``writeCommitted(_:)`` resumes at the
/// commit instead, with the ``Durability`` of the fsync to come, so that its caller can work during the fsync.
/// Once an fsync has failed, durable work fails before it is run: nothing more reaches the WAL that could not be
/// called durable.
///
/// Delivery outcomes are resumed as soon as they are committed, or queued without waiting (``queue(_:)``), their
/// commit to be awaited later. A crash of the process loses nothing that was committed, since it is in the WAL, and
/// the next fsync makes it durable too. Power loss can at worst forget the latest outcomes. Their
/// leads are then pending again after the restart, and NLPearl is asked once more to delete what it already
/// deleted, which is idempotent: the same as after a crash between a call and its record.
///
/// A piece of work that throws an error of its own (a constraint, a missing row) fails alone: the transaction is
/// rolled back and the other pieces run again in a new one, so a piece's body may run more than once and must do
/// nothing outside the database. A storage error (disk full, I/O error, read-only file, lock timeout) or a failed
/// `COMMIT` fails the whole group: nothing of it was committed, and every caller hears so.
final class GroupCommitWriter: Sendable {
    /// One caller's work: `run` executes inside the shared transaction and returns what to do once the
    /// transaction committed; `fail` is called instead when it did not.
    struct Job: Sendable {
        /// Whether the caller needs its commit to be fsynced (and is handed the ``Durability`` of that fsync).
        let durable: Bool
        let run: @Sendable (Database) throws -> @Sendable (Durability?) -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private let pool: DatabasePool
    private let path: String
    /// The database file's identity when opened. SQLite keeps writing to an open file after it was unlinked; every
    /// acknowledged write would then be lost at the next start. Comparing identities before each transaction turns
    /// that into an error.
    private let identity: FileIdentity?
    private let syncer: WALSyncer
    private let queue = GroupQueue<Job>()
    private let counters = Mutex(Journal.Statistics())

    init(pool: DatabasePool, path: String, syncer: WALSyncer) {
        self.pool = pool
        self.path = path
        self.identity = FileIdentity(path: path)
        self.syncer = syncer
    }

    /// Counters since the journal was opened.
    var statistics: Journal.Statistics {
        var statistics = counters.withLock { $0 }
        statistics.walSyncs = syncer.syncCount
        return statistics
    }

    /// How many requests wait for the next transaction.
    var queuedCount: Int { queue.count }

    /// Runs `body` inside the next group transaction and returns its result once that committed and, when
    /// `durable`, was fsynced. `body` runs again when another job of its group fails, so it must do nothing outside
    /// the database.
    ///
    /// - Parameter durable: false only for work that may be forgotten by a power loss, because redoing it is harmless
    ///   (delivery outcomes); such work returns once committed, without waiting for the fsync.
    ///
    /// The wait is not cancellable on purpose: once work is queued, the caller must learn whether it was
    /// committed, or it could answer "failed" for a write that is durable.
    func write<T: Sendable>(durable: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T
    {
        let (value, durability) = try await run(durable: durable, body)
        try await durability?.wait()
        return value
    }

    /// Runs `body` inside the next group transaction and returns its result once that committed, with the
    /// ``Durability`` of the fsync that follows. Nothing may be acknowledged on its strength before that fsync ends.
    func writeCommitted<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> (
        T, Durability
    ) {
        let (value, durability) = try await run(durable: true, body)
        guard let durability else { preconditionFailure("a durable job is always handed its group's Durability") }
        return (value, durability)
    }

    /// Queues `body` for the next group transaction and returns at once, with the ``Completion`` of that transaction's
    /// commit (not of its fsync): for work that may be forgotten by a power loss, like ``write(durable:_:)`` with
    /// `durable` false, whose caller has something to do between queueing it and its commit. A ``barrier()`` called
    /// after this returns, returns after that commit.
    func queue(_ body: @escaping @Sendable (Database) throws -> Void) -> Completion {
        let committed = Completion()
        enqueue(
            Job(
                durable: false,
                run: { db in
                    try body(db)
                    return { _ in committed.finish(nil) }
                },
                fail: { committed.finish(Self.unavailable($0)) }))
        return committed
    }

    /// Returns once everything queued before it was committed, or failed: so that a read after it sees what callers of
    /// ``queue(_:)`` were told was on its way. It runs an empty transaction when nothing else is queued.
    func barrier() async {
        try? await write(durable: false) { _ in }
    }

    private func run<T: Sendable>(durable: Bool, _ body: @escaping @Sendable (Database) throws -> T) async throws -> (
        T, Durability?
    ) {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<(T, Durability?), any Error>) in
            enqueue(
                Job(
                    durable: durable,
                    run: { db in
                        let value = try body(db)
                        return { continuation.resume(returning: (value, $0)) }
                    },
                    fail: { continuation.resume(throwing: $0) }))
        }
    }

    private func enqueue(_ job: Job) {
        if queue.add(job) {
            pool.asyncWriteWithoutTransaction { db in self.drain(db) }
        }
    }

    /// Commits queued work group after group until the queue is empty.
    private func drain(_ db: Database) {
        while true {
            let jobs = queue.takeAll()
            if jobs.isEmpty { return }
            commit(jobs, db)
        }
    }

    private func commit(_ jobs: [Job], _ db: Database) {
        var jobs = jobs
        if let failure = syncer.failure {
            for job in jobs where job.durable { job.fail(failure) }
            jobs.removeAll { $0.durable }
        }
        // A job that throws an error of its own is taken out, and the others run again in a new transaction.
        while !jobs.isEmpty {
            // Every durable job of the group shares the fsync that follows its commit.
            let group = jobs.contains { $0.durable } ? Durability() : nil
            switch run(jobs, durability: group, db) {
            case .committed(let completions):
                counters.withLock {
                    $0.transactions += 1
                    if group != nil { $0.durableTransactions += 1 }
                    $0.operations += jobs.count
                    $0.largestGroup = max($0.largestGroup, jobs.count)
                }
                if let group {
                    syncer.afterNextSync { group.finish($0) }
                }
                for completion in completions { completion() }
                return
            case .jobFailed(let index, let error):
                jobs.remove(at: index).fail(error)
            case .groupFailed(let failure):
                counters.withLock { $0.failedTransactions += 1 }
                for job in jobs { job.fail(failure) }
                return
            }
        }
    }

    /// How one transaction of a group ended.
    private enum GroupRun {
        /// Committed: what to call now, one per job.
        case committed([@Sendable () -> Void])
        /// Rolled back because this job threw an error of its own.
        case jobFailed(Int, any Error)
        /// Rolled back, or not begun, because the storage failed.
        case groupFailed(JournalError)
    }

    /// Runs the jobs in one transaction, without a savepoint each: a savepoint copies every page its job touches
    /// into a statement journal first, and with several jobs in a group that journal outgrew its memory and was
    /// written to a file, page by page (two thirds of the journal's system calls). A job's error rolls back the whole
    /// transaction instead, which is rare, and the others run again.
    ///
    /// For the same reason the statements that run for every opt-out say `OR ROLLBACK`: a statement that may fail
    /// halfway through its indexes otherwise keeps a statement journal of its own, to undo itself alone. Here its
    /// failure rolls back the transaction at once, and ``inImmediateTransaction(_:_:)`` and this loop take that as the
    /// job's error; a job must therefore let such an error through, never catch it and go on, since its transaction is
    /// gone.
    private func run(_ jobs: [Job], durability: Durability?, _ db: Database) -> GroupRun {
        var completions: [@Sendable () -> Void] = []
        var failedJob: (index: Int, error: any Error)?
        do {
            if let identity, FileIdentity(path: path)?.isSameFile(as: identity) != true {
                throw JournalError(
                    code: .fileReplaced,
                    message: "the database file \(path) was removed or replaced; restart to open the new one")
            }
            try Self.inImmediateTransaction(db) {
                for (index, job) in jobs.enumerated() {
                    // A job before this one caught its statement's `OR ROLLBACK` error and went on: what follows would
                    // otherwise be committed statement by statement, outside any transaction.
                    try Self.checkTransaction(db)
                    do {
                        let completion = try job.run(db)
                        let handed = job.durable ? durability : nil
                        completions.append { completion(handed) }
                    } catch {
                        // The transaction may be gone already (a statement `OR ROLLBACK`): nothing is rolled back then.
                        if Self.failsGroup(error) { throw error }
                        failedJob = (index, error)
                        return .rollback
                    }
                }
                return .commit
            }
        } catch {
            return .groupFailed(Self.unavailable(error))
        }
        if let failedJob { return .jobFailed(failedJob.index, failedJob.error) }
        return .committed(completions)
    }

    /// `operations` inside `BEGIN IMMEDIATE` … `COMMIT`, or rolled back when they say so or throw; throws their error,
    /// or the storage's when the transaction could not begin or commit (after rolling it back).
    ///
    /// What GRDB's `inTransaction` does, on cached statements stepped through SQLite's C API (``RawStatement``): GRDB
    /// prepares `BEGIN` and `COMMIT` from their text for every transaction and runs them through its statement
    /// observation, 2 % of the process under full load, more than SQLite's own `BEGIN`.
    private static func inImmediateTransaction(
        _ db: Database, _ operations: () throws -> Database.TransactionCompletion
    ) throws {
        try RawStatement(db, sql: "BEGIN IMMEDIATE TRANSACTION").execute()
        do {
            switch try operations() {
            case .commit:
                try checkTransaction(db)
                try RawStatement(db, sql: "COMMIT TRANSACTION").execute()
            case .rollback:
                try rollback(db)
            }
        } catch {
            try? rollback(db)
            throw error
        }
    }

    private static func rollback(_ db: Database) throws {
        guard isInsideTransaction(db) else { return }
        try RawStatement(db, sql: "ROLLBACK TRANSACTION").execute()
    }

    private static func isInsideTransaction(_ db: Database) -> Bool {
        db.sqliteConnection.map { sqlite3_get_autocommit($0) == 0 } ?? false
    }

    /// Throws when a statement's `OR ROLLBACK` ended the transaction and its error was not let through: nothing of
    /// the group is in it any more (GRDB's `inTransaction` checks the same before each of its statements).
    private static func checkTransaction(_ db: Database) throws {
        guard isInsideTransaction(db) else {
            throw DatabaseError(resultCode: .SQLITE_ABORT, message: "a statement rolled the transaction back")
        }
    }

    /// Whether an error inside one job means the storage itself is in trouble, so the group must fail.
    private static func failsGroup(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        switch error.resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_CORRUPT, .SQLITE_NOTADB,
            .SQLITE_NOMEM, .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_PROTOCOL, .SQLITE_MISUSE, .SQLITE_ABORT,
            .SQLITE_INTERRUPT, .SQLITE_PERM:
            return true
        default:
            return false
        }
    }

    private static func unavailable(_ error: any Error) -> JournalError {
        if let error = error as? JournalError { return error }
        if let error = error as? DatabaseError {
            let message = error.message ?? "SQLite error \(error.extendedResultCode.rawValue)"
            return JournalError(
                code: .unavailable,
                message: "the write was not committed: \(message) (SQLite code \(error.extendedResultCode.rawValue))")
        }
        return JournalError(code: .unavailable, message: "the write was not committed: \(error)")
    }
}
