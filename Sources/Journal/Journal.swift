import CSQLiteSettings
import Foundation
import GRDB
import OptOutCore

/// The bridge's outbox and audit trail: a SQLite database in WAL mode, fsynced before an append returns.
///
/// Every opt-out is appended here before anything is acknowledged, every delivery attempt is recorded,
/// and pending work survives a restart. Writes go through one group-commit writer
/// (see ``statistics``): concurrent ``append(_:)`` calls share a transaction and an fsync of the WAL, and each
/// returns only once its transaction is on disk; ``appendCommitted(_:)`` returns at the commit with the
/// ``Durability`` to await before acknowledging; ``recordOutcomes(_:)`` returns once committed, without waiting
/// for the fsync (see there why that loses nothing), and ``queueOutcomes(_:)`` at once, with the ``Completion`` of
/// that commit. When the
/// storage fails (disk full, read-only file) the write throws a ``JournalError`` with
/// ``JournalError/isUnavailable`` set and nothing of it is kept; the next write tries again.
///
/// Reads (``record(id:)``, ``list(status:since:limit:)``, ``pendingLeads()``, ``export(since:format:write:)``)
/// are synchronous and run on a pool of reader connections beside the writer; the reads that answer requests, from
/// async code, run after the writes queued before them were committed (``readAfterQueuedWrites(_:)``).
public final class Journal: Sendable {
    /// The database file.
    public let path: String
    let pool: DatabasePool
    let writer: GroupCommitWriter
    let checkpointer: Checkpointer
    let ids = ULIDGenerator()

    /// Opens the journal at `path`, creating the file if needed (its directory must exist), and
    /// migrates the schema.
    ///
    /// - Throws: GRDB's `DatabaseError` when the file cannot be opened or migrated, ``JournalError`` when
    ///   SQLite refuses WAL mode.
    public convenience init(path: String) throws {
        try self.init(path: path, syncer: nil)
    }

    /// Opens the journal with this syncer instead of the WAL's own, for tests that hold or fail the fsync.
    init(path: String, syncer: WALSyncer?) throws {
        _ = Self.processSettings
        var configuration = Configuration()
        configuration.label = "Journal"
        // A second process (the `journal retry` command) may hold the write lock for a moment.
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            // NORMAL: COMMIT does not wait for the disk; the group-commit writer's WALSyncer fsyncs the WAL
            // before an append returns, off the writer's thread. Checkpoints still fsync.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // After a burst the WAL file is truncated back to this size at checkpoints.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        self.path = path
        pool = try DatabasePool(path: path, configuration: configuration)
        // The durability argument (WALSyncer) holds for WAL mode only: checked rather than trusted. The writer's own
        // checkpoint is only the Checkpointer's backstop.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Checkpointer.backstopPages)")
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode")
            let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous")
            guard mode == "wal", synchronous == 1 else {
                throw JournalError(
                    code: .unavailable,
                    message: "\(path) runs with journal_mode=\(mode ?? "?") synchronous=\(synchronous ?? -1), "
                        + "not WAL with NORMAL")
            }
        }
        try JournalSchema.migrator.migrate(pool)
        let writer = GroupCommitWriter(pool: pool, path: path, syncer: syncer ?? WALSyncer(databasePath: path))
        self.writer = writer
        checkpointer = try Checkpointer(path: path, configuration: configuration, interval: .milliseconds(50)) {
            writer.statistics.transactions
        }
    }

    /// SQLite's process-wide settings, made once before the first connection opens (SQLite refuses them after).
    ///
    /// No memory statistics: Debian's SQLite keeps them by default, which takes a process-wide mutex and asks
    /// `malloc` for each block's size around every one of its allocations and frees, about 75 of each per opt-out
    /// (its build has no lookaside memory). Nothing here reads them (`sqlite3_memory_used`, a soft heap limit).
    private static let processSettings: Void = {
        _ = optout_sqlite3_config_memstatus(0)
    }()

    /// Closes the database connections; later calls fail with an error.
    ///
    /// Work already queued for the writer is committed (or failed) first.
    public func close() throws {
        checkpointer.stop()
        try pool.close()
    }

    /// Reads on a reader connection once every write queued before it was committed (or failed), for the reads that
    /// answer requests: a request waiting for its leads hears of their deletion while the outcome is committed
    /// (``queueOutcomes(_:)``), and a read after the answer must show what the answer said. The wait is a turn of
    /// the writer, an empty transaction when nothing else is queued.
    func readAfterQueuedWrites<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        await writer.barrier()
        return try await pool.read(body)
    }

    /// Counters of the group-commit writer since the journal was opened.
    public var statistics: Statistics {
        writer.statistics
    }

    /// Whether a real write through the writer succeeds now, for `/readyz`.
    ///
    /// The probe upserts the one row of the `health` table in the next group transaction, so it sees
    /// what an append would see: a read-only or removed file, an I/O error, a lock held too long. A full
    /// disk shows as soon as the write needs new space.
    public func checkWritable() async -> Bool {
        do {
            let now = Timestamp.milliseconds(Date())
            try await writer.write { db in
                try db.cachedStatement(
                    sql: """
                        INSERT INTO health(id, checked_at) VALUES (1, ?)
                        ON CONFLICT(id) DO UPDATE SET checked_at = excluded.checked_at
                        """
                ).execute(arguments: [now])
            }
            return true
        } catch {
            return false
        }
    }
}
