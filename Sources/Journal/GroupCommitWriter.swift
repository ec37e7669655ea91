import GRDB
import Synchronization

/// Funnels every write of the journal into shared transactions: group commit.
///
/// A caller enqueues a piece of work and suspends. One drain loop, running on the pool's serial
/// writer queue (a dedicated dispatch queue, since GRDB writes block), takes *everything* queued, runs
/// it in one `BEGIN IMMEDIATE` transaction and resumes the callers only after `COMMIT` returned, which
/// in WAL mode with `synchronous=FULL` means after the WAL was fsynced. While one commit is flushing,
/// new work piles up and goes out together in the next one: N concurrent writers cost far fewer than N
/// fsyncs, and no caller waits for a timer.
///
/// *Durable* work (an append, a requeue, a prune, the health probe) commits with `synchronous=FULL`: the WAL is
/// fsynced before anyone hears of it. Delivery outcomes commit in a transaction of their own, ahead of the durable
/// group taken in the same turn, with `synchronous=NORMAL`. They are written to the WAL, so a crash of the process
/// loses nothing, but not fsynced, which leaves one fsync on an opt-out's way to its answer instead of two.
///
/// Power loss can at worst forget the latest outcomes. Their leads are then pending again after the restart, and
/// NLPearl is asked once more to delete what it already deleted, which is idempotent: the same as after a crash
/// between a call and its record. The next FULL commit, or a checkpoint, makes earlier NORMAL commits durable too,
/// since they share the WAL and its order.
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

    private struct State {
        var queue: [Job] = []
        var draining = false
        var statistics = Journal.Statistics()
        /// The writer connection's `synchronous` setting: FULL (true) or NORMAL.
        var synchronousFull = true
    }

    private let pool: DatabasePool
    private let path: String
    private let identity: FileIdentity?
    private let state = Mutex(State())

    init(pool: DatabasePool, path: String) {
        self.pool = pool
        self.path = path
        self.identity = FileIdentity(path: path)
    }

    /// Counters since the journal was opened.
    var statistics: Journal.Statistics {
        state.withLock { $0.statistics }
    }

    /// How many requests wait for the next transaction.
    var queuedCount: Int {
        state.withLock { $0.queue.count }
    }

    /// Runs `body` inside the next group transaction and returns its result once that committed.
    ///
    /// - Parameter durable: false only for work that may be forgotten by a power loss, because redoing it is harmless
    ///   (delivery outcomes); such work alone commits without an fsync.
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
        let startDrain = state.withLock { state -> Bool in
            state.queue.append(job)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if startDrain {
            pool.asyncWriteWithoutTransaction { db in self.drain(db) }
        }
    }

    /// Commits queued work group after group until the queue is empty.
    private func drain(_ db: Database) {
        while true {
            let jobs = state.withLock { state -> [Job] in
                guard !state.queue.isEmpty else {
                    state.draining = false
                    return []
                }
                let jobs = state.queue
                state.queue = []
                return jobs
            }
            if jobs.isEmpty { return }
            // Outcomes commit first and on their own, without an fsync, so that they never wait for the
            // appends' fsync; the appends then share theirs.
            let quick = jobs.filter { !$0.durable }
            if !quick.isEmpty { commit(quick, db) }
            if quick.count < jobs.count { commit(jobs.filter(\.durable), db) }
        }
    }

    private func commit(_ jobs: [Job], _ db: Database) {
        var completions: [@Sendable () -> Void] = []
        completions.reserveCapacity(jobs.count)
        let durable = jobs.contains { $0.durable }
        do {
            if let identity, FileIdentity(path: path) != identity {
                throw JournalError(
                    code: .fileReplaced,
                    message: "the database file \(path) was removed or replaced; restart to open the new one")
            }
            try setSynchronous(full: durable, db)
            try db.inTransaction(.immediate) {
                for job in jobs {
                    var completion: (@Sendable () -> Void)?
                    do {
                        try db.inSavepoint {
                            completion = try job.run(db)
                            return .commit
                        }
                    } catch {
                        if Self.failsGroup(error) || !db.isInsideTransaction { throw error }
                        completion = { job.fail(error) }
                    }
                    if let completion { completions.append(completion) }
                }
                return .commit
            }
        } catch {
            let failure = Self.unavailable(error)
            state.withLock { $0.statistics.failedTransactions += 1 }
            for job in jobs { job.fail(failure) }
            return
        }
        state.withLock {
            $0.statistics.transactions += 1
            if durable { $0.statistics.durableTransactions += 1 }
            $0.statistics.operations += jobs.count
            $0.statistics.largestGroup = max($0.statistics.largestGroup, jobs.count)
        }
        for completion in completions { completion() }
    }

    /// Switches the writer connection between FULL and NORMAL, outside any transaction, only when it changes.
    private func setSynchronous(full: Bool, _ db: Database) throws {
        guard state.withLock({ $0.synchronousFull }) != full else { return }
        try db.execute(sql: full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        state.withLock { $0.synchronousFull = full }
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
