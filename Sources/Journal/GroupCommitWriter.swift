import GRDB
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
/// Delivery outcomes are resumed as soon as they are committed. A crash of the process loses nothing, since they are
/// in the WAL, and the next fsync makes them durable too. Power loss can at worst forget the latest outcomes. Their
/// leads are then pending again after the restart, and NLPearl is asked once more to delete what it already
/// deleted, which is idempotent: the same as after a crash between a call and its record.
///
/// Each piece of work runs in its own savepoint, so that a piece that throws a logical error is undone
/// alone and fails alone. A storage error (disk full, I/O error, read-only file, lock timeout) or a
/// failed `COMMIT` fails the whole group: nothing of it was committed, and every caller hears so.
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
    /// `durable`, was fsynced.
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
            if jobs.isEmpty { return }
        }
        // Every durable job of the group shares the fsync that follows its commit.
        let durability = jobs.contains { $0.durable } ? Durability() : nil
        var completions: [@Sendable () -> Void] = []
        do {
            if let identity, FileIdentity(path: path)?.isSameFile(as: identity) != true {
                throw JournalError(
                    code: .fileReplaced,
                    message: "the database file \(path) was removed or replaced; restart to open the new one")
            }
            try db.inTransaction(.immediate) {
                // Alone in its transaction, a job needs no savepoint: if it fails, the transaction rolls back.
                let alone = jobs.count == 1
                for job in jobs {
                    do {
                        var completion: (@Sendable (Durability?) -> Void)?
                        if alone {
                            completion = try job.run(db)
                        } else {
                            try db.inSavepoint {
                                completion = try job.run(db)
                                return .commit
                            }
                        }
                        if let completion {
                            let handed = job.durable ? durability : nil
                            completions.append { completion(handed) }
                        }
                    } catch {
                        if Self.failsGroup(error) || !db.isInsideTransaction { throw error }
                        completions.append { job.fail(error) }
                        if alone { return .rollback }
                    }
                }
                return .commit
            }
        } catch {
            let failure = Self.unavailable(error)
            counters.withLock { $0.failedTransactions += 1 }
            for job in jobs { job.fail(failure) }
            return
        }
        counters.withLock {
            $0.transactions += 1
            if durability != nil { $0.durableTransactions += 1 }
            $0.operations += jobs.count
            $0.largestGroup = max($0.largestGroup, jobs.count)
        }
        if let durability {
            syncer.afterNextSync { durability.finish($0) }
        }
        for completion in completions { completion() }
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
