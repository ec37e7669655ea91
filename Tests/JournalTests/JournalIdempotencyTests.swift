import Foundation
import OptOutCore
import Testing

@testable import Journal

@Suite("Idempotency")
struct JournalIdempotencyTests {
    @Test("A repeated (source, idempotency key) answers the first record and writes nothing")
    func sequentialDuplicate() async throws {
        try await withJournal { journal, _ in
            let first = try #require(try await journal.append(sampleOptOut(key: "evt-1", prefix: "x")).created)
            let second = try await journal.append(sampleOptOut(key: "evt-1", leads: 3, prefix: "y"))
            #expect(second == .duplicate(first))
            #expect(try journal.list(limit: 10).map(\.id) == [first.id])
            #expect(try await journal.pendingLeads().count == 1)
        }
    }

    @Test("The duplicate answer shows the first record as it stands now")
    func duplicateShowsCurrentStatus() async throws {
        try await withJournal { journal, _ in
            let first = try #require(try await journal.append(sampleOptOut(key: "evt-1")).created)
            try await journal.recordOutcomes([
                Journal.LeadOutcome(
                    leadRowID: first.leads[0].rowID, attempt: .init(at: Date(), outcome: "deleted", httpStatus: 200),
                    newStatus: .deleted)
            ])
            let again = try await journal.append(sampleOptOut(key: "evt-1"))
            #expect(again.isDuplicate)
            #expect(again.record.status == .deleted)
            #expect(again.record.leads[0].attempts.count == 1)
        }
    }

    @Test("Keys are per source, and opt-outs without a key are never duplicates")
    func keysArePerSource() async throws {
        try await withJournal { journal, _ async throws in
            #expect(try await journal.append(sampleOptOut(source: "hubspot", key: "1")).isDuplicate == false)
            #expect(try await journal.append(sampleOptOut(source: "zoho", key: "1")).isDuplicate == false)
            #expect(try await journal.append(sampleOptOut(source: "zoho", key: nil)).isDuplicate == false)
            #expect(try await journal.append(sampleOptOut(source: "zoho", key: nil)).isDuplicate == false)
            #expect(try journal.list(limit: 10).count == 4)
        }
    }

    @Test("Duplicates within one batch answer the first item's record")
    func duplicatesWithinBatch() async throws {
        try await withJournal { journal, _ in
            let results = try await journal.append([
                sampleOptOut(key: "a", prefix: "1"), sampleOptOut(key: "b", prefix: "2"),
                sampleOptOut(key: "a", prefix: "3"),
            ])
            let first = try #require(results[0].created)
            #expect(results[1].isDuplicate == false)
            #expect(results[2] == .duplicate(first))
            #expect(try journal.list(limit: 10).count == 2)
        }
    }

    @Test("Concurrent deliveries of the same event create exactly one record")
    func concurrentDuplicates() async throws {
        try await withJournal { journal, _ in
            let results = try await withThrowingTaskGroup(of: Journal.AppendResult.self) { group in
                for i in 0..<64 {
                    group.addTask { try await journal.append(sampleOptOut(key: "same", prefix: "t\(i)")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let created = results.compactMap(\.created)
            #expect(created.count == 1)
            #expect(Set(results.map(\.record.id)).count == 1)
            #expect(try journal.list(limit: 100).count == 1)
        }
    }
}
