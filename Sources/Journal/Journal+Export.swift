import Foundation
import GRDB
import JSON
import OptOutCore

extension Journal {
    /// The formats of the audit trail.
    public enum ExportFormat: String, Sendable, Hashable, CaseIterable {
        /// One JSON ``OptOutRecord`` per line (JSON Lines), with every lead and attempt.
        case jsonl
        /// RFC 4180 CSV with a header, one row per lead (one row with empty lead columns for an opt-out
        /// without leads), CRLF line ends; keys and attempts are JSON arrays within their cells.
        case csv
    }

    /// The CSV header: the columns of ``ExportFormat/csv``.
    public static let csvColumns = [
        "opt_out_id", "source", "idempotency_key", "request_id", "received_at", "updated_at", "opt_out_status",
        "reason", "keys", "lead_row_id", "pearl_id", "lead_id", "lead_status", "attempt_count", "queued_at",
        "next_attempt_at", "last_error", "problem", "attempts", "kind", "identifiers", "suppressed_by",
    ]

    /// Writes the audit trail: every opt-out received at or after `since`, oldest first, with its source,
    /// keys, idempotency key, arrival, leads, each attempt and the final status.
    ///
    /// The export reads one consistent snapshot and streams it: `write` is called with one line at a
    /// time (each ending in its line break), so a large journal never sits in memory.
    ///
    /// - Parameters:
    ///   - since: Only opt-outs received at or after this time; nil for all.
    ///   - format: JSON Lines or CSV.
    ///   - write: Receives the text; an error it throws stops the export and is rethrown.
    public func export(since: Date? = nil, format: ExportFormat, write: (String) throws -> Void) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        if format == .csv {
            try write(CSV.row(Self.csvColumns))
        }
        try pool.read { db in
            let statement = try db.makeStatement(
                sql: """
                    SELECT \(RecordReader.optOutColumns) FROM opt_outs
                    WHERE received_at >= ? ORDER BY received_at, id
                    """)
            let rows = try Row.fetchCursor(statement, arguments: [since.map(Timestamp.milliseconds) ?? Int64.min])
            while let row = try rows.next() {
                let record = try RecordReader.record(from: row, db)
                switch format {
                case .jsonl:
                    try write(String(decoding: try encoder.encode(record), as: UTF8.self) + "\n")
                case .csv:
                    for line in try Self.csvRows(record, encoder) {
                        try write(line)
                    }
                }
            }
        }
    }

    private static func csvRows(_ record: OptOutRecord, _ encoder: JSONEncoder) throws -> [String] {
        let head = [
            record.id, record.source, record.idempotencyKey ?? "", record.requestId ?? "",
            Timestamp.iso8601(record.receivedAt), Timestamp.iso8601(record.updatedAt), record.status.rawValue,
            record.reason ?? "", JSONWriter.arrayText(record.keys),
        ]
        let tail = [JSONWriter.arrayText(record.identifiers), record.suppressedBy ?? ""]
        guard !record.leads.isEmpty else {
            return [CSV.row(head + Array(repeating: "", count: csvColumns.count - head.count - 2) + tail)]
        }
        return try record.leads.map { lead in
            CSV.row(
                head + [
                    String(lead.rowID), lead.pearlId, lead.leadId, lead.status.rawValue, String(lead.attemptCount),
                    Timestamp.iso8601(lead.queuedAt), lead.nextAttemptAt.map(Timestamp.iso8601) ?? "",
                    lead.lastError ?? "", lead.problem ?? "",
                    String(decoding: try encoder.encode(lead.attempts), as: UTF8.self), lead.kind.rawValue,
                ] + tail)
        }
    }
}
