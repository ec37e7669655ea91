import Foundation
import GRDB
import OptOutCore
import Testing

@testable import Journal

@Suite("The suppression list")
struct JournalSuppressionTests {
    private static let pearl = "6720c0f8e4b0a1b2c3d4e5f6"

    @Test("Every key of an opt-out is suppressed in its own transaction, with the identifiers as sent")
    func appendSuppresses() async throws {
        try await withJournal { journal, _ in
            let first = try await journal.append(
                Journal.NewOptOut(
                    source: "hubspot", idempotencyKey: "e1", keys: ["email:zoe@example.com", "phone:+15550001111"],
                    identifiers: ["email: Zoe@Example.com", "phone:(555) 000-1111"], leads: [],
                    receivedAt: Date(timeIntervalSince1970: 1_700_000_000))
            ).record
            #expect(first.status == .suppressed)
            let second = try await journal.append(
                Journal.NewOptOut(
                    source: "api", keys: ["email:zoe@example.com"], identifiers: ["email:ZOE@example.com"], leads: [],
                    receivedAt: Date(timeIntervalSince1970: 1_700_000_100))
            ).record

            let email = try #require(try await journal.suppression(key: "email:zoe@example.com"))
            #expect(email.firstOptOutId == first.id)
            #expect(email.firstSource == "hubspot")
            #expect(email.firstAt == Date(timeIntervalSince1970: 1_700_000_000))
            #expect(email.latestOptOutId == second.id)
            #expect(email.latestSource == "api")
            #expect(email.optOutCount == 2)
            #expect(
                Set(email.identifiers) == ["email: Zoe@Example.com", "phone:(555) 000-1111", "email:ZOE@example.com"])
            let phone = try #require(try await journal.suppression(key: "phone:+15550001111"))
            #expect(phone.optOutCount == 1)
            #expect(phone.blacklist == nil)
            #expect(try await journal.suppression(key: "email:someone@else.com") == nil)
            let found = try await journal.suppressions(keys: ["phone:+15550001111", "email:no@example.com"])
            #expect(Array(found.keys) == ["phone:+15550001111"])
        }
    }

    @Test("A failed transaction suppresses nothing: the list never runs ahead of the opt-outs")
    func failedAppendSuppressesNothing() async throws {
        try await withJournal { journal, _ in
            // A lead row that violates the schema fails the opt-out's transaction after its keys were upserted.
            try await journal.pool.write { db in
                try db.execute(
                    sql: """
                        CREATE TRIGGER refuse BEFORE INSERT ON leads WHEN NEW.lead_id = 'poison'
                        BEGIN SELECT RAISE(ABORT, 'refused'); END
                        """)
            }
            await #expect(throws: (any Error).self) {
                _ = try await journal.append(
                    Journal.NewOptOut(
                        source: "api", keys: ["email:poison@example.com"],
                        leads: [Lead(pearlId: Self.pearl, leadId: "poison")]))
            }
            #expect(try await journal.suppression(key: "email:poison@example.com") == nil)
        }
    }

    @Test("Phones go on the blacklist once: a number already blacklisted gets no new row")
    func blacklistRows() async throws {
        try await withJournal { journal, _ in
            let first = try await journal.append(
                Journal.NewOptOut(
                    source: "twilio", keys: ["phone:+15550001111"], leads: [],
                    blacklist: ["+15550001111", "+15550001111"])
            ).record
            #expect(first.leads.map(\.kind) == [.blacklist])
            #expect(first.leads[0].leadId == "+15550001111")
            #expect(first.status == .queued)
            #expect(try await journal.suppression(key: "phone:+15550001111")?.blacklist == .pending)

            try await journal.recordOutcomes([
                .init(
                    leadRowID: first.leads[0].rowID, attempt: .init(at: Date(), outcome: "deleted"), newStatus: .deleted
                )
            ])
            #expect(try await journal.record(id: first.id)?.status == .suppressed)
            #expect(try await journal.suppression(key: "phone:+15550001111")?.blacklist == .blacklisted)

            let again = try await journal.append(
                Journal.NewOptOut(
                    source: "twilio", keys: ["phone:+15550001111"], leads: [], blacklist: ["+15550001111"])
            ).record
            #expect(again.leads.isEmpty)
            #expect(again.status == .suppressed)

            // A later failure of another row does not undo a blacklisting.
            try Journal.recordBlacklistForTest(journal, phone: "+15550001111", status: .failed)
            #expect(try await journal.suppression(key: "phone:+15550001111")?.blacklist == .blacklisted)
        }
    }

    @Test("An opt-out is deleted only when its leads are deleted and its phones blacklisted")
    func statusWaitsForTheBlacklist() async throws {
        try await withJournal { journal, _ in
            let record = try await journal.append(
                Journal.NewOptOut(
                    source: "api", keys: ["phone:+15550002222"], leads: [Lead(pearlId: Self.pearl, leadId: "L1")],
                    blacklist: ["+15550002222"])
            ).record
            let lead = try #require(record.leads.first { $0.kind == .delete })
            let phone = try #require(record.leads.first { $0.kind == .blacklist })
            try await journal.recordOutcomes([
                .init(leadRowID: lead.rowID, attempt: .init(at: Date(), outcome: "deleted"), newStatus: .deleted)
            ])
            #expect(try await journal.record(id: record.id)?.status == .queued)
            try await journal.recordOutcomes([
                .init(leadRowID: phone.rowID, attempt: .init(at: Date(), outcome: "deleted"), newStatus: .deleted)
            ])
            #expect(try await journal.record(id: record.id)?.status == .deleted)
        }
    }

    @Test("A lead that an earlier opt-out deleted is recorded deleted at once, not sent again to be answered false")
    func deletedPreviously() async throws {
        try await withJournal { journal, _ in
            let lead = Lead(pearlId: Self.pearl, leadId: "L1")
            let first = try await journal.append(Journal.NewOptOut(source: "api", keys: [], leads: [lead])).record
            try await journal.recordOutcomes([
                .init(
                    leadRowID: first.leads[0].rowID, attempt: .init(at: Date(), outcome: "deleted"), newStatus: .deleted
                )
            ])
            let second = try await journal.append(
                Journal.NewOptOut(
                    source: "hubspot", keys: [], leads: [lead, Lead(pearlId: Self.pearl, leadId: "L2")])
            ).record
            #expect(second.leads.map(\.status) == [.deleted, .pending])
            #expect(second.leads[0].attempts.map(\.outcome) == ["deleted_previously"])
            #expect(second.leads[0].attempts.first?.detail == "deleted by \(first.id)")
            #expect(try await journal.pendingLeads().map(\.lead.leadId) == ["L2"])
            let stored = try #require(try await journal.record(id: second.id))
            #expect(stored.leads[0].attempts.map(\.outcome) == ["deleted_previously"])
            // In a dry run nothing is sent anyway, so nothing is looked up.
            let dry = try await journal.append(
                Journal.NewOptOut(source: "api", keys: [], leads: [lead], initialStatus: .dryRun)
            ).record
            #expect(dry.status == .dryRun)
        }
    }

    @Test("An invalid event is journaled with its reason, suppresses nothing, and does not block a corrected resend")
    func invalidEvents() async throws {
        try await withJournal { journal, _ in
            let invalid = try await journal.append(
                .invalid(source: "generic", reason: "event 1 (e2): no usable contact", identifiers: ["email:nope"])
            ).record
            #expect(invalid.status == .invalid)
            #expect(invalid.idempotencyKey == nil)
            #expect(invalid.identifiers == ["email:nope"])
            #expect(try journal.list(status: .invalid).map(\.id) == [invalid.id])
            #expect(try await journal.suppressionCounts().keys == 0)
        }
    }

    @Test("A duplicate of an unmapped opt-out resolves afresh: leads mapped since are added to its record")
    func duplicateResolvesAfresh() async throws {
        try await withJournal { journal, _ in
            let first = try await journal.append(
                Journal.NewOptOut(source: "api", idempotencyKey: "t-1", keys: ["email:zoe@example.com"], leads: []))
            #expect(first.record.status == .suppressed)
            let lead = Lead(pearlId: Self.pearl, leadId: "Z1")
            let retry = try await journal.append(
                Journal.NewOptOut(source: "api", idempotencyKey: "t-1", keys: ["email:zoe@example.com"], leads: [lead]))
            guard case .reopened(let record) = retry else {
                Issue.record("expected the first record reopened, got \(retry)")
                return
            }
            #expect(record.id == first.record.id)
            #expect(record.leads.map(\.lead) == [lead])
            #expect(record.status == .queued)
            #expect(record.reason == nil)
            // Once it has a lead, a retry is a plain duplicate again.
            let third = try await journal.append(
                Journal.NewOptOut(source: "api", idempotencyKey: "t-1", keys: ["email:zoe@example.com"], leads: [lead]))
            #expect(third == .duplicate(record))
        }
    }

    @Test("Enforcement journals only leads no row deletes, links them to the opt-out, and marks phones to blacklist")
    func enforcement() async throws {
        try await withJournal { journal, _ in
            let optOut = try await journal.append(
                Journal.NewOptOut(source: "api", keys: ["email:zoe@example.com", "phone:+15550001111"], leads: [])
            )
            .record
            let handled = try await journal.append(sampleOptOut(key: "jane", leads: 1, prefix: "J")).record
            let keys = try await journal.suppressedKeys()
            #expect(
                Set(keys.map(\.key)) == [
                    "email:zoe@example.com", "phone:+15550001111", "email:jane@example.com", "hubspot:1246965",
                ])
            let zoeLead = Lead(pearlId: Self.pearl, leadId: "Z1")
            #expect(try journal.unjournaledLeads([zoeLead, handled.leads[0].lead]) == [zoeLead])

            let records = try await journal.appendEnforcements(
                [
                    .init(key: "email:zoe@example.com", suppressedBy: optOut.id, leads: [zoeLead]),
                    .init(key: "phone:+15550001111", suppressedBy: optOut.id, leads: [], blacklist: "+15550001111"),
                    .init(key: "email:jane@example.com", suppressedBy: handled.id, leads: [handled.leads[0].lead]),
                ], initialStatus: .pending)
            #expect(records.count == 2)
            #expect(records.allSatisfy { $0.source == "suppression" && $0.suppressedBy == optOut.id })
            #expect(records[0].leads.map(\.lead) == [zoeLead])
            #expect(records[0].keys == ["email:zoe@example.com"])
            #expect(records[1].leads.map(\.kind) == [.blacklist])
            // Enforcement adds no key and no opt-out count: it is not an opt-out.
            #expect(try await journal.suppression(key: "email:zoe@example.com")?.optOutCount == 1)
            #expect(try await journal.suppression(key: "phone:+15550001111")?.blacklist == .pending)
            // Run again: everything is journaled now, nothing new.
            let again = try await journal.appendEnforcements(
                [
                    .init(key: "email:zoe@example.com", suppressedBy: optOut.id, leads: [zoeLead]),
                    .init(key: "phone:+15550001111", suppressedBy: optOut.id, leads: [], blacklist: "+15550001111"),
                ], initialStatus: .pending)
            #expect(again.isEmpty)
        }
    }

    @Test("Prune keeps the audit trail and the list, and remembers the deleted leads it removes")
    func pruneKeepsAudit() async throws {
        try await withJournal { journal, _ in
            let deleted = try await journal.append(sampleOptOut(key: "d", leads: 1, prefix: "D")).record
            let failed = try await journal.append(sampleOptOut(key: "f", leads: 1, prefix: "F")).record
            let suppressed = try await journal.append(
                Journal.NewOptOut(source: "api", keys: ["email:zoe@example.com"], leads: [])
            ).record
            let invalid = try await journal.append(.invalid(source: "generic", reason: "bad")).record
            try await journal.recordOutcomes([
                .init(
                    leadRowID: deleted.leads[0].rowID, attempt: .init(at: Date(), outcome: "deleted"),
                    newStatus: .deleted),
                .init(
                    leadRowID: failed.leads[0].rowID, attempt: .init(at: Date(), outcome: "gave_up"), newStatus: .failed
                ),
            ])
            #expect(try await journal.prune(olderThan: Date() + 3600) == 1)
            #expect(try await journal.record(id: deleted.id) == nil)
            for kept in [failed.id, suppressed.id, invalid.id] {
                #expect(try await journal.record(id: kept) != nil)
            }
            #expect(try await journal.suppression(key: "email:jane@example.com") != nil)
            // The pruned lead is still known as deleted, so enforcement does not delete it again.
            #expect(try journal.unjournaledLeads([deleted.leads[0].lead]).isEmpty)
        }
    }

    @Test("Removal is a deliberate, audited re-consent")
    func removal() async throws {
        try await withJournal { journal, _ in
            _ = try await journal.append(Journal.NewOptOut(source: "api", keys: ["email:zoe@example.com"], leads: []))
            #expect(try await journal.removeSuppression(key: "email:nobody@example.com", reason: "x") == nil)
            let removed = try #require(
                try await journal.removeSuppression(key: "email:zoe@example.com", reason: "ticket 42: re-consented"))
            #expect(removed.key == "email:zoe@example.com")
            #expect(try await journal.suppression(key: "email:zoe@example.com") == nil)
            let removals = try await journal.suppressionRemovals(key: "email:zoe@example.com")
            #expect(removals.map(\.reason) == ["ticket 42: re-consented"])
            let stored = try await journal.pool.read { db in
                try String.fetchOne(db, sql: "SELECT removed FROM suppression_removals")
            }
            #expect(stored?.contains("\"firstOptOutId\"") == true)
        }
    }

    @Test("The list exports as JSON lines and CSV")
    func export() async throws {
        try await withJournal { journal, _ in
            _ = try await journal.append(
                Journal.NewOptOut(
                    source: "api", keys: ["email:zoe@example.com"], identifiers: ["email:Zoe, the \"first\""],
                    leads: []))
            var jsonl = ""
            try journal.exportSuppressions(format: .jsonl) { jsonl += $0 }
            let decoded = try JSONDecoder().decode(SuppressionRecord.self, from: Data(jsonl.utf8))
            #expect(decoded.key == "email:zoe@example.com")
            #expect(decoded.identifiers == ["email:Zoe, the \"first\""])
            var csv = ""
            try journal.exportSuppressions(format: .csv) { csv += $0 }
            let lines = csv.components(separatedBy: "\r\n")
            #expect(lines[0] == Journal.suppressionCSVColumns.joined(separator: ","))
            // The cell is JSON, quoted as RFC 4180 says: every quote doubled.
            #expect(lines[1].hasPrefix(#"email:zoe@example.com,"[""email:Zoe, the \""first\""""]",api,op_"#))
        }
    }
}

extension Journal {
    /// Records a blacklist outcome for a number outside any opt-out, as a later row's outcome would.
    static func recordBlacklistForTest(_ journal: Journal, phone: String, status: LeadStatus) throws {
        try journal.pool.write { db in
            try recordBlacklist(phone: phone, status: status, at: Timestamp.milliseconds(Date()), db)
        }
    }
}
