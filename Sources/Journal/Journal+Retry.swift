import Foundation
import GRDB
import OptOutCore

extension Journal {
    /// Puts the failed leads of one opt-out back to work: status `pending`, due now, with a new
    /// `giveUpAfterHours` window (``PendingLead/queuedAt``), and a `requeued` attempt in the audit trail.
    ///
    /// - Returns: The leads requeued, for the dispatcher; empty if the opt-out has no failed lead.
    public func retry(id: String) async throws -> [PendingLead] {
        try await writer.write { db in try Self.requeue(optOutID: id, db) }
    }

    /// Puts every failed lead back to work, as ``retry(id:)`` does for one opt-out.
    public func retryAllFailed() async throws -> [PendingLead] {
        try await writer.write { db in try Self.requeue(optOutID: nil, db) }
    }

    private static func requeue(optOutID: String?, _ db: Database) throws -> [PendingLead] {
        let now = Timestamp.milliseconds(Date())
        var arguments: StatementArguments = []
        if let optOutID { arguments += [optOutID] }
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT \(pendingLeadColumns)
                FROM leads l JOIN opt_outs o ON o.id = l.opt_out_id
                WHERE l.status = 'failed' \(optOutID == nil ? "" : "AND l.opt_out_id = ?") ORDER BY l.id
                """,
            arguments: arguments)
        let update = try db.cachedStatement(
            sql: """
                UPDATE leads SET status = 'pending', next_attempt_at = ?, queued_at = ?, updated_at = ?,
                    last_error = NULL
                WHERE id = ?
                """)
        let leads = try rows.map { row in
            var lead = pendingLead(row)
            try update.execute(arguments: [now, now, now, lead.leadRowID])
            if lead.kind == .blacklist {
                try recordBlacklist(phone: lead.lead.leadId, status: .pending, at: now, db)
            }
            lead.nextAttemptAt = Timestamp.date(now)
            lead.queuedAt = Timestamp.date(now)
            return lead
        }
        let insertAttempt = try db.cachedStatement(
            sql: "INSERT INTO attempts (lead_row_id, at, outcome, detail) VALUES (?, ?, 'requeued', 'manual retry')")
        var touched: [String] = []
        var seen = Set<String>()
        for lead in leads {
            try insertAttempt.execute(arguments: [lead.leadRowID, now])
            if seen.insert(lead.optOutID).inserted { touched.append(lead.optOutID) }
        }
        try refreshStatus(of: touched, now: now, db)
        return leads
    }
}
