import Foundation
import OptOutCore
import Testing

@testable import Journal

@Suite("Appending opt-outs")
struct JournalAppendTests {
    @Test("An appended opt-out reads back exactly as the append returned it")
    func appendReadsBack() async throws {
        try await withJournal { journal, _ in
            let received = Date(timeIntervalSince1970: 1_732_845_187.123_4)
            let result = try await journal.append(
                Journal.NewOptOut(
                    source: "hubspot", idempotencyKey: "evt-1", keys: ["email:jane@example.com", "hubspot:1"],
                    leads: [Lead(pearlId: "P1", leadId: "A"), Lead(pearlId: "P1", leadId: "B")],
                    requestId: "req-42", receivedAt: received))
            let created = try #require(result.created)
            #expect(created.status == .queued)
            #expect(created.receivedAt == Date(timeIntervalSince1970: 1_732_845_187.123))
            #expect(created.leads.map(\.leadId) == ["A", "B"])
            #expect(created.leads.allSatisfy { $0.status == .pending && $0.attemptCount == 0 })
            let read = try #require(try await journal.record(id: created.id))
            #expect(read == created)
            #expect(read.idempotencyKey == "evt-1")
            #expect(read.requestId == "req-42")
            #expect(read.keys == ["email:jane@example.com", "hubspot:1"])
            #expect(try await journal.record(id: "op_missing") == nil)
        }
    }

    @Test("Ids are op_ and a 26-character Crockford ULID, increasing in creation order")
    func idsAreOrderedULIDs() async throws {
        try await withJournal { journal, _ in
            var ids: [String] = []
            for _ in 0..<20 {
                ids.append(try await journal.append(sampleOptOut()).record.id)
            }
            let alphabet = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
            for id in ids {
                #expect(id.hasPrefix("op_"))
                #expect(id.dropFirst(3).count == 26)
                #expect(id.dropFirst(3).allSatisfy { alphabet.contains($0) })
            }
            #expect(ids == ids.sorted())
            #expect(Set(ids).count == ids.count)
        }
    }

    @Test("Repeated leads are kept once")
    func repeatedLeadsAreKeptOnce() async throws {
        try await withJournal { journal, _ in
            let lead = Lead(pearlId: "P", leadId: "L")
            let record = try await journal.append(Journal.NewOptOut(source: "api", leads: [lead, lead])).record
            #expect(record.leads.count == 1)
            #expect(try await journal.record(id: record.id)?.leads.count == 1)
        }
    }

    @Test("An opt-out without leads is kept as suppressed, with its reason")
    func optOutWithoutLeadsIsIgnored() async throws {
        try await withJournal { journal, _ in
            let record = try await journal.append(
                Journal.NewOptOut(source: "zoho", keys: ["zoho:9"], leads: [], reason: "unmapped")
            ).record
            #expect(record.status == .suppressed)
            let read = try #require(try await journal.record(id: record.id))
            #expect(read.status == .suppressed)
            #expect(read.reason == "unmapped")
            #expect(read.leads.isEmpty)
            #expect(try await journal.pendingLeads().isEmpty)
        }
    }

    @Test("Dry-run opt-outs are journaled as dry_run and leave no pending work")
    func dryRunIsFinal() async throws {
        try await withJournal { journal, _ in
            let record = try await journal.append(sampleOptOut(leads: 2, status: .dryRun)).record
            #expect(record.status == .dryRun)
            #expect(try await journal.record(id: record.id)?.status == .dryRun)
            #expect(try await journal.pendingLeads().isEmpty)
            #expect(try await journal.counts() == (pending: 0, failed: 0))
        }
    }

    @Test("A batch is appended in one transaction with one result per item, in order")
    func batchAppend() async throws {
        try await withJournal { journal, _ in
            let before = journal.statistics.transactions
            let results = try await journal.append([
                sampleOptOut(key: "a", prefix: "a"), sampleOptOut(key: "b", prefix: "b"),
                sampleOptOut(key: "c", prefix: "c"),
            ])
            #expect(results.map { $0.record.idempotencyKey } == ["a", "b", "c"])
            #expect(results.allSatisfy { !$0.isDuplicate })
            #expect(journal.statistics.transactions == before + 1)
            #expect(try journal.list(limit: 10).count == 3)
            #expect(try await journal.append([Journal.NewOptOut]()).isEmpty)
        }
    }

    @Test("The JSON of a record has camelCase keys and ISO-8601 dates, and decodes back")
    func recordJSON() async throws {
        try await withJournal { journal, _ in
            let received = Date(timeIntervalSince1970: 1_732_845_187.5)
            let record = try await journal.append(sampleOptOut(key: "k", receivedAt: received)).record
            let data = try JSONEncoder().encode(record)
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(object["receivedAt"] as? String == "2024-11-29T01:53:07.500Z")
            #expect(object["idempotencyKey"] as? String == "k")
            #expect(object["status"] as? String == "queued")
            #expect(object["reason"] == nil)
            let lead = try #require((object["leads"] as? [[String: Any]])?.first)
            #expect(lead["pearlId"] as? String == "6720c0f8e4b0a1b2c3d4e5f6")
            #expect(lead["leadId"] as? String == "L0")
            #expect(lead["rowId"] is Int)
            #expect(try JSONDecoder().decode(OptOutRecord.self, from: data) == record)
        }
    }
}
