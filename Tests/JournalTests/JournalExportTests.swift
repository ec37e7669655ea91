import Foundation
import OptOutCore
import Testing

@testable import Journal

@Suite("Audit trail export")
struct JournalExportTests {
    /// An opt-out whose text fields need quoting in CSV and escaping in JSON.
    private func awkwardOptOut(receivedAt: Date) -> Journal.NewOptOut {
        Journal.NewOptOut(
            source: "generic", idempotencyKey: #"evt,"1""#, keys: ["email:a@b.c", "generic:x,y \"z\"\nw"],
            leads: [Lead(pearlId: "P", leadId: "L1"), Lead(pearlId: "P", leadId: "L2")], requestId: "r1",
            receivedAt: receivedAt)
    }

    @Test("JSONL has one full record per line, with attempts, oldest first, filtered by since")
    func jsonl() async throws {
        try await withJournal { journal, _ in
            let t0 = Date(timeIntervalSince1970: 1_732_845_187)
            _ = try await journal.append(sampleOptOut(key: "before", receivedAt: t0 - 3600))
            let first = try await journal.append(awkwardOptOut(receivedAt: t0)).record
            let second = try await journal.append(
                Journal.NewOptOut(source: "api", leads: [], reason: "unmapped", receivedAt: t0 + 1)
            ).record
            try await journal.recordOutcomes([
                .init(
                    leadRowID: first.leads[0].rowID,
                    attempt: .init(at: t0 + 2, outcome: "deleted", httpStatus: 200), newStatus: .deleted)
            ])
            var lines: [String] = []
            try journal.export(since: t0, format: .jsonl) { lines.append($0) }
            #expect(lines.count == 2)
            #expect(lines.allSatisfy { $0.hasSuffix("\n") && $0.dropLast().contains("\n") == false })
            let records = try lines.map { try JSONDecoder().decode(OptOutRecord.self, from: Data($0.utf8)) }
            #expect(records.map(\.id) == [first.id, second.id])
            #expect(records[0].idempotencyKey == #"evt,"1""#)
            #expect(records[0].keys == first.keys)
            #expect(records[0].leads[0].attempts == [.init(at: t0 + 2, outcome: "deleted", httpStatus: 200)])
            #expect(records[0].status == .queued)
            #expect(records[1].reason == "unmapped")
            #expect(lines[0].contains(#""receivedAt":"2024-11-29T01:53:07.000Z""#))
            #expect(lines[0].contains(#""at":"2024-11-29T01:53:09.000Z""#))
            var all = 0
            try journal.export(format: .jsonl) { _ in all += 1 }
            #expect(all == 3)
        }
    }

    @Test("CSV has a header and one row per lead, quoted per RFC 4180")
    func csv() async throws {
        try await withJournal { journal, _ in
            let t0 = Date(timeIntervalSince1970: 1_732_845_187)
            let record = try await journal.append(awkwardOptOut(receivedAt: t0)).record
            let ignored = try await journal.append(
                Journal.NewOptOut(source: "api", leads: [], reason: "not an opt-out", receivedAt: t0 + 1)
            ).record
            try await journal.recordOutcomes([
                .init(
                    leadRowID: record.leads[1].rowID,
                    attempt: .init(at: t0, outcome: "rejected", httpStatus: 400, detail: #"bad "id", sorry"#),
                    newStatus: .rejected, problem: #"{"errors":{"leadIds":["L2"]}}"#)
            ])
            var text = ""
            try journal.export(format: .csv) { text += $0 }
            #expect(text.hasSuffix("\r\n"))
            let rows = try parseCSV(text)
            #expect(rows.count == 4)
            #expect(rows[0] == Journal.csvColumns)
            let column = { (name: String) in try #require(Journal.csvColumns.firstIndex(of: name)) }
            #expect(rows.dropFirst().allSatisfy { $0.count == Journal.csvColumns.count })
            #expect(rows[1][try column("opt_out_id")] == record.id)
            #expect(rows[1][try column("idempotency_key")] == #"evt,"1""#)
            #expect(rows[1][try column("keys")] == #"["email:a@b.c","generic:x,y \"z\"\nw"]"#)
            #expect(rows[1][try column("received_at")] == "2024-11-29T01:53:07.000Z")
            #expect(rows[1][try column("opt_out_status")] == "queued")
            #expect(rows[1][try column("lead_id")] == "L1")
            #expect(rows[1][try column("lead_status")] == "pending")
            #expect(rows[2][try column("lead_id")] == "L2")
            #expect(rows[2][try column("lead_status")] == "rejected")
            #expect(rows[2][try column("last_error")] == #"bad "id", sorry"#)
            #expect(rows[2][try column("problem")] == #"{"errors":{"leadIds":["L2"]}}"#)
            let attempts = try JSONDecoder().decode(
                [Journal.Attempt].self, from: Data(rows[2][try column("attempts")].utf8))
            #expect(attempts.map(\.httpStatus) == [400])
            #expect(rows[3][try column("opt_out_id")] == ignored.id)
            #expect(rows[3][try column("reason")] == "not an opt-out")
            #expect(rows[3][try column("lead_id")] == "")
        }
    }

    @Test(
        "CSV fields are quoted only when needed, with quotes doubled",
        arguments: [
            ("plain", "plain"), ("a,b", #""a,b""#), (#"say "hi""#, #""say ""hi""""#), ("two\nlines", "\"two\nlines\""),
            ("cr\rhere", "\"cr\rhere\""), ("", ""),
        ])
    func csvQuoting(_ field: String, _ expected: String) {
        #expect(CSV.quoted(field) == expected)
    }

    @Test("An error thrown by the writer stops the export and is rethrown")
    func writerErrorStops() async throws {
        struct Stop: Error {}
        try await withJournal { journal, _ in
            _ = try await journal.append(sampleOptOut(key: "1"))
            _ = try await journal.append(sampleOptOut(key: "2"))
            var calls = 0
            #expect(throws: Stop.self) {
                try journal.export(format: .jsonl) { _ in
                    calls += 1
                    throw Stop()
                }
            }
            #expect(calls == 1)
        }
    }
}

/// A strict RFC 4180 reader for checking the export: CRLF record ends, quoted fields with doubled quotes.
func parseCSV(_ text: String) throws -> [[String]] {
    struct Malformed: Error {}
    var rows: [[String]] = []
    var row: [String] = []
    var field = ""
    var chars = Array(text)[...]
    var quoted = false
    while let c = chars.popFirst() {
        if quoted {
            if c == "\"" {
                if chars.first == "\"" {
                    chars.removeFirst()
                    field.append("\"")
                } else {
                    quoted = false
                }
            } else {
                field.append(c)
            }
            continue
        }
        switch c {
        case "\"":
            guard field.isEmpty else { throw Malformed() }
            quoted = true
        case ",":
            row.append(field)
            field = ""
        case "\r\n":
            row.append(field)
            rows.append(row)
            row = []
            field = ""
        case "\r", "\n":
            throw Malformed()
        default:
            field.append(c)
        }
    }
    guard !quoted, field.isEmpty, row.isEmpty else { throw Malformed() }
    return rows
}
