import Foundation
import OptOutCore
import Testing

@testable import Journal

@Suite("Listing and retrying")
struct JournalQueryTests {
    @Test("List filters by status and time, newest first, up to the limit")
    func listFilters() async throws {
        try await withJournal { journal, _ in
            let t0 = Date(timeIntervalSince1970: 1_700_000_000)
            let old = try await journal.append(sampleOptOut(key: "old", receivedAt: t0)).record
            let mid = try await journal.append(sampleOptOut(key: "mid", receivedAt: t0 + 60)).record
            let new = try await journal.append(sampleOptOut(key: "new", receivedAt: t0 + 120)).record
            let ignored = try await journal.append(
                Journal.NewOptOut(source: "api", leads: [], reason: "unmapped", receivedAt: t0 + 180)
            ).record
            try await journal.recordOutcomes([
                .init(leadRowID: mid.leads[0].rowID, attempt: .init(at: t0, outcome: "gave_up"), newStatus: .failed)
            ])
            #expect(try journal.list().map(\.id) == [ignored.id, new.id, mid.id, old.id])
            #expect(try journal.list(limit: 2).map(\.id) == [ignored.id, new.id])
            #expect(try journal.list(limit: 0).isEmpty)
            #expect(try journal.list(status: .failed).map(\.id) == [mid.id])
            #expect(try journal.list(status: .queued).map(\.id) == [new.id, old.id])
            #expect(try journal.list(status: .suppressed).map(\.id) == [ignored.id])
            #expect(try journal.list(since: t0 + 60).map(\.id) == [ignored.id, new.id, mid.id])
            #expect(try journal.list(status: .queued, since: t0 + 60).map(\.id) == [new.id])
            #expect(try journal.list(status: .deleted).isEmpty)
        }
    }

    @Test("Retry puts the failed leads of one opt-out back to pending, due now, with a new window")
    func retryOne() async throws {
        try await withJournal { journal, _ in
            let t0 = Date(timeIntervalSince1970: 1_700_000_000)
            let record = try await journal.append(sampleOptOut(leads: 2, receivedAt: t0)).record
            let other = try await journal.append(sampleOptOut(prefix: "O", receivedAt: t0)).record
            try await journal.recordOutcomes(
                [record.leads[0], record.leads[1], other.leads[0]].map {
                    .init(leadRowID: $0.rowID, attempt: .init(at: t0, outcome: "gave_up"), newStatus: .failed)
                })
            try await journal.recordOutcomes([
                .init(leadRowID: record.leads[1].rowID, attempt: .init(at: t0, outcome: "deleted"), newStatus: .deleted)
            ])
            #expect(try await journal.record(id: record.id)?.status == .failed)
            let before = Date()
            let requeued = try await journal.retry(id: record.id)
            #expect(requeued.map(\.leadRowID) == [record.leads[0].rowID])
            let lead = try #require(requeued.first)
            #expect(lead.receivedAt == record.receivedAt)
            #expect(lead.queuedAt >= Timestamp.truncated(before))
            #expect(lead.nextAttemptAt == lead.queuedAt)
            #expect(lead.attemptCount == 1)
            #expect(try await journal.pendingLeads() == requeued)
            let read = try #require(try await journal.record(id: record.id))
            #expect(read.status == .queued)
            #expect(read.leads[0].attempts.map(\.outcome) == ["gave_up", "requeued"])
            #expect(read.leads[0].attemptCount == 1)
            #expect(try await journal.record(id: other.id)?.status == .failed)
            #expect(try await journal.retry(id: record.id).isEmpty)
            #expect(try await journal.retry(id: "op_unknown").isEmpty)
        }
    }

    @Test("Retry of all failed requeues every failed lead and nothing else")
    func retryAll() async throws {
        try await withJournal { journal, _ in
            let a = try await journal.append(sampleOptOut(prefix: "A")).record
            let b = try await journal.append(sampleOptOut(prefix: "B")).record
            let c = try await journal.append(sampleOptOut(prefix: "C")).record
            try await journal.recordOutcomes([
                .init(leadRowID: a.leads[0].rowID, attempt: .init(at: Date(), outcome: "gave_up"), newStatus: .failed),
                .init(leadRowID: b.leads[0].rowID, attempt: .init(at: Date(), outcome: "gave_up"), newStatus: .failed),
                .init(leadRowID: c.leads[0].rowID, attempt: .init(at: Date(), outcome: "deleted"), newStatus: .deleted),
            ])
            #expect(try await journal.counts().failed == 2)
            let requeued = try await journal.retryAllFailed()
            #expect(Set(requeued.map(\.optOutID)) == [a.id, b.id])
            #expect(try await journal.counts().failed == 0)
            #expect(try await journal.counts().pending == 2)
            #expect(try journal.list(status: .queued).count == 2)
            #expect(try await journal.record(id: c.id)?.status == .deleted)
        }
    }

    @Test("Replaying a dry run requeues its lead and phone rows, and only those; retry of one opt-out includes them")
    func retryDryRun() async throws {
        try await withJournal { journal, _ in
            let dryRun = try await journal.append(
                Journal.NewOptOut(
                    source: "api", keys: ["phone:+15550000001"], leads: [Lead(pearlId: "p", leadId: "D")],
                    blacklist: ["+15550000001"], initialStatus: .dryRun)
            ).record
            let failed = try await journal.append(sampleOptOut(prefix: "F")).record
            try await journal.recordOutcomes([
                .init(
                    leadRowID: failed.leads[0].rowID, attempt: .init(at: Date(), outcome: "gave_up"),
                    newStatus: .failed)
            ])
            #expect(try await journal.retryAllFailed().map(\.optOutID) == [failed.id])
            #expect(try await journal.record(id: dryRun.id)?.status == .dryRun)

            let requeued = try await journal.retryAllDryRun()
            #expect(requeued.map(\.leadRowID) == dryRun.leads.map(\.rowID))
            #expect(Set(requeued.map(\.kind)) == [.delete, .blacklist])
            let read = try #require(try await journal.record(id: dryRun.id))
            #expect(read.status == .queued)
            #expect(read.leads.allSatisfy { $0.status == .pending && $0.attempts.map(\.outcome) == ["requeued"] })
            #expect(read.leads[0].attempts.first?.detail == "replayed after the dry run")
            #expect(try await journal.suppression(key: "phone:+15550000001")?.blacklist == .pending)
            #expect(try await journal.retryAllDryRun().isEmpty)

            let another = try await journal.append(sampleOptOut(prefix: "G", status: .dryRun)).record
            #expect(try journal.hasDryRunRows(id: another.id))
            #expect(try await journal.retry(id: another.id).map(\.leadRowID) == another.leads.map(\.rowID))
            #expect(try !journal.hasDryRunRows(id: another.id))
        }
    }
}
