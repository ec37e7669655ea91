import Foundation
import GRDB
import OptOutCore
import Testing

@testable import Journal

/// Every index of `opt_outs` is one more B-tree that every append writes a page of, and every transaction then
/// writes to the WAL and fsyncs. These tests pin what an append writes, and that the queries that used to lean on the
/// dropped entries still find their rows through an index rather than by reading the table.
@Suite("The journal's indexes")
struct JournalIndexTests {
    @Test("An opt-out without an idempotency key adds no entry to the idempotency index")
    func keylessOptOutsStayOutOfTheIdempotencyIndex() async throws {
        try await withJournal { journal, _ in
            for _ in 0..<3 {
                _ = try await journal.append(sampleOptOut(source: "api"))
            }
            _ = try await journal.append(sampleOptOut(source: "hubspot", key: "evt-1"))
            let entries = try await journal.pool.read { db in try Self.entries(of: "opt_outs_idempotency", db) }
            #expect(entries == 1)
            // The key still makes a second opt-out of the same sender a duplicate, and only of that sender.
            #expect(try await journal.append(sampleOptOut(source: "hubspot", key: "evt-1")).isDuplicate)
            #expect(try await journal.append(sampleOptOut(source: "pipedrive", key: "evt-1")).isDuplicate == false)
        }
    }

    @Test("No index of opt_outs is on updated_at, which every outcome changes")
    func noIndexOnUpdatedAt() async throws {
        try await withJournal { journal, _ in
            let indexed = try await journal.pool.read { db in
                try String.fetchAll(
                    db,
                    sql: """
                        SELECT i.name FROM pragma_index_list('opt_outs') AS l, pragma_index_info(l.name) AS i
                        ORDER BY l.name, i.seqno
                        """)
            }
            #expect(!indexed.isEmpty)
            #expect(!indexed.contains("updated_at"))
        }
    }

    @Test("The idempotency lookup and the prune's chunk search an index, and read no whole table")
    func queriesUseTheIndexes() async throws {
        try await withJournal { journal, _ in
            let plans = try await journal.pool.read { db in
                (
                    idempotency: try Self.plan((RecordReader.byIdempotencyKey, ["hubspot", "evt-1"]), db),
                    prune: try Self.plan((Journal.pruneStepSelect, [1_700_000_000_000, 1_600_000_000_000, 7]), db)
                )
            }
            #expect(plans.idempotency.contains { $0.hasPrefix("SEARCH opt_outs USING INDEX opt_outs_idempotency") })
            #expect(plans.prune.contains { $0.hasPrefix("SEARCH opt_outs USING INDEX opt_outs_received") })
            for detail in plans.idempotency + plans.prune {
                #expect(!detail.hasPrefix("SCAN opt_outs"), "\(detail)")
            }
        }
    }

    @Test("A delivered opt-out and its lead leave both status indexes; those still at work stay in them")
    func deliveredRowsLeaveTheStatusIndexes() async throws {
        try await withJournal { journal, _ in
            var records: [OptOutRecord] = []
            for prefix in ["A", "B", "C"] {
                records.append(try await journal.append(sampleOptOut(prefix: prefix)).record)
            }
            try await journal.recordOutcomes(
                records.prefix(2).map {
                    .init(leadRowID: $0.leads[0].rowID, attempt: .plainDeletion(at: Date()), newStatus: .deleted)
                })
            let entries = try await journal.pool.read { db in
                try ["opt_outs_status", "leads_status"].map { try Self.entries(of: $0, db) }
            }
            #expect(entries == [1, 1])
            // What the indexes no longer hold is still found: deleted opt-outs through the time they arrived.
            #expect(try journal.list(status: .deleted).map(\.id) == [records[1].id, records[0].id])
            #expect(try journal.list(status: .queued).map(\.id) == [records[2].id])
            #expect(try await journal.pendingLeads().map(\.leadRowID) == [records[2].leads[0].rowID])
            #expect(try await journal.counts() == (pending: 1, failed: 0))
        }
    }

    @Test("Every query by status searches a status index, and a deleted opt-out is listed by its arrival")
    func queriesByStatusUseThePartialIndexes() async throws {
        try await withJournal { journal, _ in
            let plans = try await journal.pool.read { db in
                (
                    pending: try Self.plan((Journal.pendingLeadsSelect, []), db),
                    counts: try Self.plan((Journal.countsSelect, []), db),
                    requeue: try Self.plan(
                        (Journal.requeueSelect(statuses: 2, ofOneOptOut: false), ["failed", "dry_run"]), db),
                    failed: try Self.plan(Journal.listSelect(status: .failed, since: nil, limit: 100), db),
                    failedSince: try Self.plan(Journal.listSelect(status: .failed, since: Date(), limit: 100), db),
                    deleted: try Self.plan(Journal.listSelect(status: .deleted, since: nil, limit: 100), db)
                )
            }
            for leads in [plans.pending, plans.counts, plans.requeue] {
                // `USING INDEX leads_status`, or `USING COVERING INDEX leads_status` for the counts.
                #expect(leads.contains { $0.contains("INDEX leads_status") }, "\(leads)")
                #expect(!leads.contains { $0.hasPrefix("SCAN l") || $0.hasPrefix("SCAN leads") }, "\(leads)")
            }
            for optOuts in [plans.failed, plans.failedSince] {
                #expect(optOuts.contains { $0.hasPrefix("SEARCH opt_outs USING INDEX opt_outs_status") }, "\(optOuts)")
            }
            #expect(plans.deleted.contains { $0.contains("USING INDEX opt_outs_received") }, "\(plans.deleted)")
        }
    }

    /// The entries of the index `name`: the cells of its leaf pages.
    private static func entries(of name: String, _ db: Database) throws -> Int? {
        try Int.fetchOne(
            db, sql: "SELECT SUM(ncell) FROM dbstat WHERE name = ? AND pagetype = 'leaf'", arguments: [name])
    }

    /// What SQLite's plan for a query does, step by step (`EXPLAIN QUERY PLAN`'s details).
    private static func plan(_ query: (sql: String, arguments: StatementArguments), _ db: Database) throws -> [String] {
        try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + query.sql, arguments: query.arguments).map {
            $0["detail"] as String
        }
    }
}
