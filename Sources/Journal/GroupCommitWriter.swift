import GRDB
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
/// of waiting for it, and N concurrent writers share far fewer than N fsyncs.
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
        /// Whether the caller may only hear of success once the commit is fsynced.
        let durable: Bool
        let run: @Sendable (Database) throws -> @Sendable () -> Void
        let fail: @Sendable (any Error) -> Void
    }

    private let pool: DatabasePool
    private let path: String
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

    /// Runs `body` inside the next group transaction and returns its result once that committed.
    ///
    /// - Parameter durable: false only for work that may be forgotten by a power loss, because redoing it is harmless
    ///   (delivery outcomes); such work returns once committed, without waiting for the fsync.
    ///
    /// The wait is not cancellable on purpose: once work is queued, the caller must learn whether it was
    /// committed, or it could answer "failed" for a write that is durable.
    func write<T: Sendable>(durable: Bool = true, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T
    {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            enqueue(
                Job(
                    durable: durable,
                    run: { db in
                        let value = try body(db)
                        return { continuation.resume(returning: value) }
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
        // What to tell each caller: at once, or after the fsync (then `failure` instead when the fsync failed).
        var now: [@Sendable () -> Void] = []
        var afterSync: [(success: @Sendable () -> Void, failure: @Sendable (any Error) -> Void)] = []
        do {
            if let identity, FileIdentity(path: path) != identity {
                throw JournalError(
                    code: .fileReplaced,
                    message: "the database file \(path) was removed or replaced; restart to open the new one")
            }
            try db.inTransaction(.immediate) {
                for job in jobs {
                    do {
                        var completion: (@Sendable () -> Void)?
                        try db.inSavepoint {
                            completion = try job.run(db)
                            return .commit
                        }
                        if let completion {
                            if job.durable {
                                afterSync.append((completion, job.fail))
                            } else {
                                now.append(completion)
                            }
                        }
                    } catch {
                        if Self.failsGroup(error) || !db.isInsideTransaction { throw error }
                        now.append { job.fail(error) }
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
            if !afterSync.isEmpty { $0.durableTransactions += 1 }
            $0.operations += jobs.count
            $0.largestGroup = max($0.largestGroup, jobs.count)
        }
        if !afterSync.isEmpty {
            let waiters = afterSync
            syncer.afterNextSync { error in
                for waiter in waiters {
                    if let error { waiter.failure(error) } else { waiter.success() }
                }
            }
        }
        for completion in now { completion() }
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
