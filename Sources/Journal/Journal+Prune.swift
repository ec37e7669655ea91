import Foundation
import GRDB
import JSON
import OptOutCore

extension Journal {
    /// How many opt-outs one prune transaction deletes at most, so that appends never wait long behind it; also how
    /// many rows each step of the prune's pass reads.
    static let pruneChunk = 500

    /// The statuses a prune deletes: what the reader looks for and the writer checks again.
    private static let prunableStatus = "status IN ('deleted', 'dry_run', 'ignored')"

    /// One step of the prune's pass: the next ``pruneChunk`` opt-outs received before the cutoff (`?1`), after the
    /// opt-out at (`?2` received, `?3` row id), in the order of `opt_outs_received`.
    ///
    /// Deleted opt-outs are in no status index (``JournalSchema``), so the prune walks those received before the
    /// cutoff, and only those; an opt-out is updated after it is received, so every opt-out last updated before the
    /// cutoff is among them. The pass goes on from where the step before stopped, so that the opt-outs that are kept
    /// (the audit trail, SPEC §7) are read once a prune, never again for each chunk.
    static let pruneStepSelect = """
        SELECT rowid, received_at, id, \(prunableStatus) AND updated_at < ?1
        FROM opt_outs WHERE received_at < ?1 AND (received_at, rowid) > (?2, ?3)
        ORDER BY received_at, rowid LIMIT \(pruneChunk)
        """

    /// Deletes delivered opt-outs (`deleted`, `dry_run`, and `ignored` from before the suppression list) last updated
    /// before `date`, with their leads and attempts. Their idempotency keys are forgotten with them, which is how
    /// `retentionDays` bounds duplicate detection.
    ///
    /// The audit trail stays (SPEC §7): `failed`, `rejected`, `not_deleted`, `suppressed`, `invalid` and pending
    /// opt-outs are never pruned, nor is the suppression list. The deleted leads of a pruned opt-out are remembered
    /// in `settled_leads`, so that enforcing the list does not delete them again.
    ///
    /// A reader finds the opt-outs to prune, ``pruneChunk`` rows at a time (``pruneStepSelect``), and the writer
    /// deletes each chunk in a group transaction of its own, checking again that each opt-out is still one to prune.
    ///
    /// - Returns: The number of opt-outs deleted.
    public func prune(olderThan date: Date) async throws -> Int {
        let cutoff = Timestamp.milliseconds(date)
        var total = 0
        var after: (receivedAt: Int64, rowID: Int64) = (.min, .min)
        while true {
            let from = after
            let (ids, last, read) = try await pool.read { db in
                var ids: [String] = []
                var last = from
                var read = 0
                let rows = try Row.fetchCursor(
                    db.cachedStatement(sql: Self.pruneStepSelect), arguments: [cutoff, from.receivedAt, from.rowID])
                while let row = try rows.next() {
                    read += 1
                    last = (row[1], row[0])
                    if row[3] as Bool { ids.append(row[2]) }
                }
                return (ids, last, read)
            }
            if !ids.isEmpty {
                total += try await writer.write { db in try Self.delete(JSONWriter.arrayText(ids), cutoff: cutoff, db) }
            }
            if read < Self.pruneChunk { return total }
            after = last
        }
    }

    /// Deletes the opt-outs of `ids` (a JSON array) that are still to prune, and remembers their deleted leads.
    private static func delete(_ ids: String, cutoff: Int64, _ db: Database) throws -> Int {
        let chunk = """
            SELECT id FROM opt_outs WHERE id IN (SELECT value FROM json_each(?1)) AND \(prunableStatus) AND updated_at < ?2
            """
        try db.cachedStatement(
            sql: """
                INSERT OR IGNORE INTO settled_leads (pearl_id, lead_id, opt_out_id, settled_at)
                SELECT pearl_id, lead_id, opt_out_id, updated_at FROM leads
                WHERE opt_out_id IN (\(chunk)) AND kind = 'delete' AND status = 'deleted'
                """
        ).execute(arguments: [ids, cutoff])
        try db.cachedStatement(sql: "DELETE FROM opt_outs WHERE id IN (\(chunk))").execute(arguments: [ids, cutoff])
        return db.changesCount
    }
}
