import Foundation
import GRDB
import OptOutCore

extension Journal {
    /// How many opt-outs one prune transaction deletes, so that appends never wait long behind it.
    static let pruneChunk = 500

    /// Deletes finished opt-outs (no lead pending) last updated before `date`, with their leads and
    /// attempts; never deletes pending work. Their idempotency keys are forgotten with them, which is
    /// how `retentionDays` bounds duplicate detection.
    ///
    /// Deletes in chunks of a few hundred, each its own group transaction.
    ///
    /// - Returns: The number of opt-outs deleted.
    public func prune(olderThan date: Date) async throws -> Int {
        let cutoff = Timestamp.milliseconds(date)
        var total = 0
        while true {
            let deleted = try await writer.write { db in
                try db.cachedStatement(
                    sql: """
                        DELETE FROM opt_outs WHERE id IN (
                            SELECT o.id FROM opt_outs o
                            WHERE o.updated_at < ? AND NOT EXISTS (
                                SELECT 1 FROM leads l WHERE l.opt_out_id = o.id AND l.status = 'pending')
                            LIMIT ?)
                        """
                ).execute(arguments: [cutoff, Self.pruneChunk])
                return db.changesCount
            }
            total += deleted
            if deleted < Self.pruneChunk { return total }
        }
    }
}
