import Foundation
import GRDB
import OptOutCore
import Testing

@testable import Journal

@Suite("Outcomes, attempts and status")
struct JournalOutcomeTests {
    @Test("Outcomes add attempts, bump counts, and move the aggregate status")
    func outcomesAreRecorded() async throws {
        try await withJournal { journal, _ in
            let record = try await journal.append(sampleOptOut(key: "k", leads: 2)).record
            let (a, b) = (record.leads[0].rowID, record.leads[1].rowID)
            let retryAt = Date(timeIntervalSince1970: 1_900_000_000)
            try await journal.recordOutcomes([
                .init(
                    leadRowID: a, attempt: .init(at: Date(), outcome: "deleted", httpStatus: 200), newStatus: .deleted),
                .init(
                    leadRowID: b,
                    attempt: .init(at: Date(), outcome: "unavailable", httpStatus: 503, detail: "HTTP 503"),
                    newStatus: .pending, nextAttemptAt: retryAt),
            ])
            var read = try #require(try await journal.record(id: record.id))
            #expect(read.status == .queued)
            #expect(read.updatedAt >= record.updatedAt)
            #expect(read.leads[0].status == .deleted)
            #expect(read.leads[0].attemptCount == 1)
            #expect(read.leads[0].lastError == nil)
            #expect(read.leads[1].status == .pending)
            #expect(read.leads[1].nextAttemptAt == retryAt)
            #expect(read.leads[1].lastError == "HTTP 503")
            #expect(read.leads[1].attempts.map(\.httpStatus) == [503])
            #expect(try await journal.pendingLeads().map(\.leadRowID) == [b])
            #expect(try await journal.pendingLeads().first?.nextAttemptAt == retryAt)

            try await journal.recordOutcomes([
                .init(
                    leadRowID: b, attempt: .init(at: Date(), outcome: "deleted", httpStatus: 200), newStatus: .deleted)
            ])
            read = try #require(try await journal.record(id: record.id))
            #expect(read.status == .deleted)
            #expect(read.leads[1].attemptCount == 2)
            #expect(read.leads[1].attempts.map(\.outcome) == ["unavailable", "deleted"])
            #expect(read.leads[1].lastError == nil)
            #expect(read.leads[1].nextAttemptAt == nil)
            #expect(try await journal.pendingLeads().isEmpty)
        }
    }

    @Test(
        "The opt-out status aggregates the final lead statuses",
        arguments: [
            ([LeadStatus.deleted, .deleted], OptOutStatus.deleted),
            ([.deleted, .notDeleted], .notDeleted),
            ([.notDeleted, .rejected], .rejected),
            ([.rejected, .failed], .failed),
            ([.deleted, .pending], .queued),
        ])
    func statusAggregates(_ statuses: [LeadStatus], _ expected: OptOutStatus) async throws {
        try await withJournal { journal, _ in
            let record = try await journal.append(sampleOptOut(leads: statuses.count)).record
            try await journal.recordOutcomes(
                zip(record.leads, statuses).map { lead, status in
                    .init(
                        leadRowID: lead.rowID, attempt: .init(at: Date(), outcome: status.rawValue), newStatus: status)
                })
            #expect(try await journal.record(id: record.id)?.status == expected)
            #expect(try journal.list(status: expected).map(\.id) == [record.id])
        }
    }

    @Test("A plain deletion is kept in its lead's row, and read back as the lead's last attempt")
    func plainDeletionInTheLeadsRow() async throws {
        try await withJournal { journal, _ in
            let record = try await journal.append(sampleOptOut(key: "k", leads: 3)).record
            let (a, b, c) = (record.leads[0].rowID, record.leads[1].rowID, record.leads[2].rowID)
            // Whole milliseconds: the journal keeps times to the millisecond.
            let (first, second) = (Timestamp.date(1_764_400_000_123), Timestamp.date(1_764_400_001_456))
            let busy = Journal.Attempt(at: first, outcome: "unavailable", httpStatus: 503, detail: "HTTP 503")
            let previously = Journal.Attempt(
                at: first, outcome: "deleted_previously", httpStatus: 200,
                detail: "NLPearl answered false; deleted by op_1")
            try await journal.recordOutcomes([
                .init(leadRowID: a, attempt: .plainDeletion(at: first), newStatus: .deleted),
                .init(leadRowID: b, attempt: busy, newStatus: .pending, nextAttemptAt: second),
                .init(leadRowID: c, attempt: previously, newStatus: .deleted),
            ])
            try await journal.recordOutcomes([
                .init(leadRowID: b, attempt: .plainDeletion(at: second), newStatus: .deleted)
            ])

            let read = try #require(try await journal.record(id: record.id))
            #expect(read.status == .deleted)
            #expect(
                read.leads.map(\.attempts) == [
                    [.plainDeletion(at: first)], [busy, .plainDeletion(at: second)], [previously],
                ])
            #expect(read.leads.map(\.attemptCount) == [1, 2, 1])
            // Only the attempts that say more than "deleted" are rows of their own.
            let rows = try await journal.pool.read { db in
                try Int64.fetchAll(db, sql: "SELECT lead_row_id FROM attempts ORDER BY id")
            }
            #expect(rows == [b, c])
        }
    }

    @Test("A rejected lead keeps NLPearl's problem details")
    func rejectedKeepsProblem() async throws {
        try await withJournal { journal, _ in
            let record = try await journal.append(sampleOptOut()).record
            let problem =
                #"{"title":"One or more validation errors occurred.","status":400,"errors":{"leadIds":["bad"]}}"#
            try await journal.recordOutcomes([
                .init(
                    leadRowID: record.leads[0].rowID,
                    attempt: .init(at: Date(), outcome: "rejected", httpStatus: 400, detail: "validation failed"),
                    newStatus: .rejected, problem: problem)
            ])
            let lead = try #require(try await journal.record(id: record.id)?.leads.first)
            #expect(lead.status == .rejected)
            #expect(lead.problem == problem)
            #expect(lead.lastError == "validation failed")
        }
    }

    @Test("An outcome for an unknown lead is skipped without failing the others")
    func unknownLeadIsSkipped() async throws {
        try await withJournal { journal, _ in
            let record = try await journal.append(sampleOptOut()).record
            try await journal.recordOutcomes([
                .init(leadRowID: 424_242, attempt: .init(at: Date(), outcome: "deleted"), newStatus: .deleted),
                .init(
                    leadRowID: record.leads[0].rowID, attempt: .init(at: Date(), outcome: "deleted"),
                    newStatus: .deleted),
            ])
            #expect(try await journal.record(id: record.id)?.status == .deleted)
        }
    }

    @Test("Counts are numbers of leads pending and failed")
    func counts() async throws {
        try await withJournal { journal, _ in
            let record = try await journal.append(sampleOptOut(leads: 3)).record
            _ = try await journal.append(sampleOptOut(leads: 2, prefix: "M"))
            try await journal.recordOutcomes([
                .init(
                    leadRowID: record.leads[0].rowID, attempt: .init(at: Date(), outcome: "gave_up"), newStatus: .failed
                )
            ])
            let counts = try await journal.counts()
            #expect(counts.pending == 4)
            #expect(counts.failed == 1)
        }
    }
}
