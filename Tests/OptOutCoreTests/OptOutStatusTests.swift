import Foundation
import OptOutCore
import Testing

@Suite("Opt-out and lead statuses")
struct OptOutStatusTests {
    @Test(
        "an opt-out's status aggregates its leads' statuses by precedence",
        arguments: [
            ([], OptOutStatus.suppressed),
            ([.deleted], .deleted),
            ([.deleted, .deleted], .deleted),
            ([.deleted, .pending, .failed], .queued),
            ([.failed, .rejected, .notDeleted, .deleted], .failed),
            ([.rejected, .notDeleted, .dryRun], .rejected),
            ([.notDeleted, .deleted], .notDeleted),
            ([.dryRun, .dryRun], .dryRun),
            ([.dryRun, .deleted], .deleted),
            ([.pending], .queued),
            ([.deleted, .notDeleted, .rejected, .failed, .pending], .queued),
            ([.notDeleted, .rejected], .rejected),
            ([.dryRun, .notDeleted], .notDeleted),
        ] as [([LeadStatus], OptOutStatus)])
    func aggregate(leads: [LeadStatus], expected: OptOutStatus) {
        #expect(OptOutStatus.aggregate(leads: leads) == expected)
    }

    @Test(
        "phones to blacklist count like leads, and an opt-out with no lead to delete is suppressed once they are done",
        arguments: [
            ([(ActionKind.blacklist, LeadStatus.deleted)], OptOutStatus.suppressed),
            ([(.blacklist, .pending)], .queued),
            ([(.delete, .deleted), (.blacklist, .pending)], .queued),
            ([(.delete, .deleted), (.blacklist, .deleted)], .deleted),
            ([(.delete, .deleted), (.blacklist, .failed)], .failed),
            ([(.blacklist, .dryRun)], .dryRun),
        ] as [([(ActionKind, LeadStatus)], OptOutStatus)])
    func aggregateWithBlacklist(rows: [(ActionKind, LeadStatus)], expected: OptOutStatus) {
        #expect(OptOutStatus.aggregate(rows.map { (kind: $0.0, status: $0.1) }) == expected)
    }

    @Test("raw values are the snake_case names of the contract")
    func rawValues() throws {
        #expect(
            OptOutStatus.allCases.map(\.rawValue) == [
                "deleted", "queued", "ignored", "not_deleted", "rejected", "dry_run", "failed", "suppressed", "invalid",
            ])
        #expect(
            LeadStatus.allCases.map(\.rawValue) == [
                "pending", "deleted", "not_deleted", "rejected", "dry_run", "failed",
            ])
        let encoded = try JSONEncoder().encode([OptOutStatus.notDeleted])
        #expect(String(decoding: encoded, as: UTF8.self) == #"["not_deleted"]"#)
        #expect(try JSONDecoder().decode([LeadStatus].self, from: Data(#"["dry_run"]"#.utf8)) == [.dryRun])
        #expect(LeadStatus.pending.isFinal == false)
        #expect(LeadStatus.failed.isFinal)
    }

    @Test("events and leads are plain values")
    func values() throws {
        let lead = Lead(pearlId: "p", leadId: "l")
        #expect(lead.description == "p/l")
        let encoded = try JSONEncoder().encode(lead)
        #expect(try JSONDecoder().decode(Lead.self, from: encoded) == lead)
        let event = OptOutEvent(keys: [try .email("a@b.c")], eventId: "evt-1")
        #expect(event == OptOutEvent(keys: [try .email("A@B.C")], eventId: "evt-1", occurredAt: nil))
        #expect(event.occurredAt == nil)
    }
}
