import Foundation
import GRDB
import OptOutCore

extension Journal {
    /// Puts the failed and dry-run rows of one opt-out back to work: status `pending`, due now, with a new
    /// `giveUpAfterHours` window (``PendingLead/queuedAt``), and a `requeued` attempt in the audit trail.
    ///
    /// - Returns: The rows requeued, for the dispatcher; empty if the opt-out has no failed or dry-run row.
    public func retry(id: String) async throws -> [PendingLead] {
        try await writer.write { db in try Self.requeue(optOutID: id, statuses: [.failed, .dryRun], db) }
    }

    /// Puts every failed row back to work, as ``retry(id:)`` does for one opt-out.
    public func retryAllFailed() async throws -> [PendingLead] {
        try await writer.write { db in try Self.requeue(optOutID: nil, statuses: [.failed], db) }
    }

    /// Puts every row journaled during a dry run back to work, as ``retry(id:)`` does for one opt-out: the opt-outs
    /// acknowledged then are delivered once dry-run is off.
    ///
    /// A lead that another row deleted meanwhile is sent all the same; the dispatcher records NLPearl's `false` for
    /// it as `deleted_previously`.
    public func retryAllDryRun() async throws -> [PendingLead] {
        try await writer.write { db in try Self.requeue(optOutID: nil, statuses: [.dryRun], db) }
    }

    /// Whether the opt-out has rows journaled during a dry run, which ``retry(id:)`` would send.
    public func hasDryRunRows(id: String) throws -> Bool {
        try pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT 1 FROM leads WHERE opt_out_id = ? AND status = 'dry_run' LIMIT 1", arguments: [id])
                != nil
        }
    }

    /// The rows to requeue, in `statuses` (that many placeholders), of one opt-out (one more) or of all: through the
    /// partial index `leads_status`, whose term the query repeats, or `leads_opt_out` for one opt-out.
    static func requeueSelect(statuses: Int, ofOneOptOut: Bool) -> String {
        let placeholders = Array(repeating: "?", count: statuses).joined(separator: ", ")
        return """
            SELECT \(pendingLeadColumns), l.status
            FROM leads l JOIN opt_outs o ON o.id = l.opt_out_id
            WHERE l.status IN (\(placeholders)) AND l.\(JournalSchema.notDeleted)
                \(ofOneOptOut ? "AND l.opt_out_id = ?" : "") ORDER BY l.id
            """
    }

    private static func requeue(optOutID: String?, statuses: [LeadStatus], _ db: Database) throws -> [PendingLead] {
        let now = Timestamp.milliseconds(Date())
        var arguments: StatementArguments = StatementArguments(statuses.map(\.rawValue))
        if let optOutID { arguments += [optOutID] }
        let rows = try Row.fetchAll(
            db, sql: requeueSelect(statuses: statuses.count, ofOneOptOut: optOutID != nil), arguments: arguments)
        let update = try db.cachedStatement(
            sql: """
                UPDATE leads SET status = 'pending', next_attempt_at = ?, queued_at = ?, updated_at = ?,
                    last_error = NULL
                WHERE id = ?
                """)
        let insertAttempt = try db.cachedStatement(
            sql: "INSERT INTO attempts (lead_row_id, at, outcome, detail) VALUES (?, ?, 'requeued', ?)")
        var touched: [String] = []
        var seen = Set<String>()
        let leads = try rows.map { row in
            var lead = pendingLead(row)
            let wasDryRun = (row[9] as String) == LeadStatus.dryRun.rawValue
            try update.execute(arguments: [now, now, now, lead.leadRowID])
            try insertAttempt.execute(arguments: [
                lead.leadRowID, now, wasDryRun ? "replayed after the dry run" : "manual retry",
            ])
            if lead.kind == .blacklist {
                try recordBlacklist(phone: lead.lead.leadId, status: .pending, at: now, db)
            }
            lead.nextAttemptAt = Timestamp.date(now)
            lead.queuedAt = Timestamp.date(now)
            if seen.insert(lead.optOutID).inserted { touched.append(lead.optOutID) }
            return lead
        }
        try refreshStatus(of: touched, now: now, db)
        return leads
    }
}
