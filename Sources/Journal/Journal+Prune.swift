import Foundation
import GRDB
import OptOutCore

extension Journal {
    /// How many opt-outs one prune transaction deletes, so that appends never wait long behind it.
    static let pruneChunk = 500

    /// The ids of one chunk of opt-outs to prune: `?1` the cutoff, `?2` the chunk's size.
    ///
    /// There is no index on `updated_at`: every append and every outcome would write to it, for a query that runs
    /// once an hour. The chunk ranges over `opt_outs_status (status, received_at)` instead. An opt-out is updated
    /// after it is received, so every opt-out last updated before the cutoff was also received before it, and
    /// `updated_at < ?1` only filters the rows of that range.
    static let pruneChunkSelect = """
        SELECT id FROM opt_outs
        WHERE status IN ('deleted', 'dry_run', 'ignored') AND received_at < ?1 AND updated_at < ?1
        ORDER BY id LIMIT ?2
        """

    /// Deletes delivered opt-outs (`deleted`, `dry_run`, and `ignored` from before the suppression list) last updated
    /// before `date`, with their leads and attempts. Their idempotency keys are forgotten with them, which is how
    /// `retentionDays` bounds duplicate detection.
    ///
    /// The audit trail stays (SPEC §7): `failed`, `rejected`, `not_deleted`, `suppressed`, `invalid` and pending
    /// opt-outs are never pruned, nor is the suppression list. The deleted leads of a pruned opt-out are remembered
    /// in `settled_leads`, so that enforcing the list does not delete them again.
    ///
    /// Deletes in chunks of a few hundred, each its own group transaction.
    ///
    /// - Returns: The number of opt-outs deleted.
    public func prune(olderThan date: Date) async throws -> Int {
        let cutoff = Timestamp.milliseconds(date)
        var total = 0
        while true {
            let deleted = try await writer.write { db in
                // The same chunk twice, in one transaction: its settled leads first, then the opt-outs themselves.
                let chunk = Self.pruneChunkSelect
                try db.cachedStatement(
                    sql: """
                        INSERT OR IGNORE INTO settled_leads (pearl_id, lead_id, opt_out_id, settled_at)
                        SELECT pearl_id, lead_id, opt_out_id, updated_at FROM leads
                        WHERE opt_out_id IN (\(chunk)) AND kind = 'delete' AND status = 'deleted'
                        """
                ).execute(arguments: [cutoff, Self.pruneChunk])
                try db.cachedStatement(sql: "DELETE FROM opt_outs WHERE id IN (\(chunk))").execute(arguments: [
                    cutoff, Self.pruneChunk,
                ])
                return db.changesCount
            }
            total += deleted
            if deleted < Self.pruneChunk { return total }
        }
    }
}
