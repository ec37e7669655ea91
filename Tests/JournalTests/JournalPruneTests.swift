import Foundation
import GRDB
import OptOutCore
import Testing

@testable import Journal

@Suite("Pruning")
struct JournalPruneTests {
    @Test("Prune deletes finished opt-outs with their leads and attempts, and keeps pending work")
    func pruneKeepsPending() async throws {
        try await withJournal { journal, _ in
            let done = try await journal.append(sampleOptOut(key: "done", leads: 2)).record
            let pending = try await journal.append(sampleOptOut(key: "pending", leads: 2, prefix: "P")).record
            let ignored = try await journal.append(Journal.NewOptOut(source: "api", leads: [], reason: "unmapped"))
                .record
            try await journal.recordOutcomes(
                done.leads.map {
                    .init(leadRowID: $0.rowID, attempt: .init(at: Date(), outcome: "deleted"), newStatus: .deleted)
                } + [
                    .init(
                        leadRowID: pending.leads[0].rowID, attempt: .init(at: Date(), outcome: "deleted"),
                        newStatus: .deleted)
                ])

            // Nothing is older than an hour ago.
            #expect(try await journal.prune(olderThan: Date() - 3600) == 0)
            #expect(try journal.list().count == 3)

            let deleted = try await journal.prune(olderThan: Date() + 3600)
            #expect(deleted == 1)
            #expect(try await journal.record(id: done.id) == nil)
            // An unmapped opt-out is suppressed: part of the audit trail, never pruned (SPEC §7).
            #expect(try await journal.record(id: ignored.id) != nil)
            let kept = try #require(try await journal.record(id: pending.id))
            #expect(kept.leads.count == 2)
            #expect(kept.leads[0].attempts.count == 1)
            #expect(try await journal.pendingLeads().map(\.leadRowID) == [pending.leads[1].rowID])
            let orphans = try await journal.pool.read { db in
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT (SELECT COUNT(*) FROM leads WHERE opt_out_id NOT IN (SELECT id FROM opt_outs))
                             + (SELECT COUNT(*) FROM attempts WHERE lead_row_id NOT IN (SELECT id FROM leads))
                        """)
            }
            #expect(orphans == 0)
            // A pruned idempotency key is forgotten: that is how retention bounds duplicate detection.
            #expect(try await journal.append(sampleOptOut(key: "done")).isDuplicate == false)
            #expect(try await journal.append(sampleOptOut(key: "pending")).isDuplicate)
        }
    }

    @Test("Prune works through more opt-outs than one chunk")
    func pruneInChunks() async throws {
        try await withJournal { journal, _ in
            let count = Journal.pruneChunk + 7
            // All received in the same millisecond, as opt-outs under load are: the next chunk starts after the last
            // row of the one before, not after its time.
            let receivedAt = Date() - 60
            _ = try await journal.append((0..<count).map { _ in sampleOptOut(status: .dryRun, receivedAt: receivedAt) })
            let before = journal.statistics.transactions
            #expect(try await journal.prune(olderThan: Date() + 60) == count)
            #expect(journal.statistics.transactions - before == 2)
            #expect(try journal.list(limit: 10).isEmpty)
        }
    }

    @Test("Retention counts from an opt-out's last update, not from its reception")
    func pruneByLastUpdate() async throws {
        try await withJournal { journal, _ in
            // Received two hours ago, delivered only now: a lead that waited for NLPearl, or for `journal retry`.
            let late = try await journal.append(sampleOptOut(key: "late", receivedAt: Date() - 7200)).record
            try await journal.recordOutcomes(
                late.leads.map {
                    .init(leadRowID: $0.rowID, attempt: .init(at: Date(), outcome: "deleted"), newStatus: .deleted)
                })
            let early = try await journal.append(sampleOptOut(key: "early", status: .dryRun)).record

            #expect(try await journal.prune(olderThan: Date() - 3600) == 0)
            #expect(try await journal.record(id: late.id)?.status == .deleted)
            #expect(try await journal.prune(olderThan: Date() + 60) == 2)
            #expect(try await journal.record(id: late.id) == nil)
            #expect(try await journal.record(id: early.id) == nil)
        }
    }

    @Test("Prune goes on past more kept opt-outs than a chunk, received before those it deletes")
    func prunePastKeptOptOuts() async throws {
        try await withJournal { journal, _ in
            // Unmapped opt-outs are kept for ever (SPEC §7); a prune that looked at the oldest chunk only, again and
            // again, would never reach the delivered ones behind them.
            let kept = Journal.pruneChunk + 20
            _ = try await journal.append(
                (0..<kept).map { _ in Journal.NewOptOut(source: "api", leads: [], receivedAt: Date() - 600) })
            let done = try await journal.append(sampleOptOut(key: "done", leads: 2)).record
            try await journal.recordOutcomes(
                done.leads.map {
                    .init(leadRowID: $0.rowID, attempt: .plainDeletion(at: Date()), newStatus: .deleted)
                })
            let dryRun = try await journal.append(sampleOptOut(key: "dry", status: .dryRun)).record
            let queued = try await journal.append(sampleOptOut(key: "queued", prefix: "Q")).record

            #expect(try await journal.prune(olderThan: Date() + 60) == 2)
            #expect(try await journal.record(id: done.id) == nil)
            #expect(try await journal.record(id: dryRun.id) == nil)
            #expect(try await journal.record(id: queued.id) != nil)
            #expect(try journal.list(status: .suppressed, limit: kept + 10).count == kept)
            // The pruned opt-out's deleted leads are remembered, so that the list never deletes them again.
            let settled = try await journal.pool.read { db in
                try String.fetchAll(db, sql: "SELECT lead_id FROM settled_leads ORDER BY lead_id")
            }
            #expect(settled == ["L0", "L1"])
        }
    }
}
