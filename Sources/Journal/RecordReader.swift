import Foundation
import GRDB
import OptOutCore

/// Reads opt-out records, with their leads and attempts, from a database connection.
enum RecordReader {
    /// The columns of `opt_outs` that ``record(from:_:)`` expects, in order.
    static let optOutColumns =
        "id, source, idempotency_key, keys, request_id, received_at, updated_at, reason, status, identifiers, suppressed_by"

    /// The record with this id, or nil.
    static func record(id: String, _ db: Database) throws -> OptOutRecord? {
        let statement = try db.cachedStatement(sql: "SELECT \(optOutColumns) FROM opt_outs WHERE id = ?")
        guard let row = try Row.fetchOne(statement, arguments: [id]) else { return nil }
        return try record(from: row, db)
    }

    /// Looks an opt-out up by its sender and idempotency key. `idempotency_key = ?` is what lets SQLite use the
    /// partial index `opt_outs_idempotency` (`WHERE idempotency_key IS NOT NULL`); `IS ?` would scan the table.
    static let byIdempotencyKey = "SELECT \(optOutColumns) FROM opt_outs WHERE source = ? AND idempotency_key = ?"

    /// The record with this idempotency key, or nil.
    static func record(source: String, idempotencyKey: String, _ db: Database) throws -> OptOutRecord? {
        let statement = try db.cachedStatement(sql: byIdempotencyKey)
        guard let row = try Row.fetchOne(statement, arguments: [source, idempotencyKey]) else { return nil }
        return try record(from: row, db)
    }

    /// A full record from a row of ``optOutColumns``, fetching its leads and their attempts.
    static func record(from row: Row, _ db: Database) throws -> OptOutRecord {
        let id: String = row[0]
        let keys = try JournalError.strings(row[3])
        let identifiersText: String? = row[9]
        // Rows written before identifiers were kept have none: their keys stand in for them.
        return OptOutRecord(
            id: id, source: row[1], idempotencyKey: row[2], keys: keys,
            identifiers: try identifiersText.map(JournalError.strings) ?? keys, requestId: row[4],
            receivedAt: Timestamp.date(row[5]), updatedAt: Timestamp.date(row[6]), reason: row[7],
            status: try status(row[8], OptOutStatus.self), suppressedBy: row[10], leads: try leads(optOutID: id, db))
    }

    /// The leads of one opt-out with their attempts, in insertion order.
    static func leads(optOutID: String, _ db: Database) throws -> [LeadRecord] {
        let attemptStatement = try db.cachedStatement(
            sql: """
                SELECT a.lead_row_id, a.at, a.outcome, a.http_status, a.detail
                FROM attempts a JOIN leads l ON l.id = a.lead_row_id
                WHERE l.opt_out_id = ? ORDER BY a.id
                """)
        var attempts: [Int64: [Journal.Attempt]] = [:]
        let attemptRows = try Row.fetchCursor(attemptStatement, arguments: [optOutID])
        while let row = try attemptRows.next() {
            let attempt = Journal.Attempt(
                at: Timestamp.date(row[1]), outcome: row[2], httpStatus: row[3], detail: row[4])
            attempts[row[0], default: []].append(attempt)
        }
        let leadStatement = try db.cachedStatement(
            sql: """
                SELECT id, pearl_id, lead_id, status, attempt_count, next_attempt_at, queued_at, last_error, problem,
                    kind, origin, deleted_at
                FROM leads WHERE opt_out_id = ? ORDER BY id
                """)
        var leads: [LeadRecord] = []
        let leadRows = try Row.fetchCursor(leadStatement, arguments: [optOutID])
        while let row = try leadRows.next() {
            let rowID: Int64 = row[0]
            let nextAttemptAt: Int64? = row[5]
            let origin: String? = row[10]
            let deletedAt: Int64? = row[11]
            var leadAttempts = attempts[rowID] ?? []
            // A plain deletion is kept in the lead's row: the last attempt the lead had (`v5-deleted-at`).
            if let deletedAt {
                leadAttempts.append(.plainDeletion(at: Timestamp.date(deletedAt)))
            }
            leads.append(
                LeadRecord(
                    rowID: rowID, kind: try status(row[9], ActionKind.self), pearlId: row[1], leadId: row[2],
                    origin: try origin.map { try status($0, LeadOrigin.self) },
                    status: try status(row[3], LeadStatus.self),
                    attemptCount: row[4], nextAttemptAt: nextAttemptAt.map(Timestamp.date),
                    queuedAt: Timestamp.date(row[6]), lastError: row[7], problem: row[8],
                    attempts: leadAttempts))
        }
        return leads
    }

    /// Parses a stored status, failing loudly on a value this version does not know.
    static func status<S: RawRepresentable<String>>(_ raw: String, _: S.Type) throws -> S {
        guard let status = S(rawValue: raw) else {
            throw JournalError(code: .corruptRecord, message: "unknown stored status '\(raw)'")
        }
        return status
    }
}
