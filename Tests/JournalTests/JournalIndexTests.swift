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
            let entries = try await journal.pool.read { db in
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT SUM(ncell) FROM dbstat WHERE name = 'opt_outs_idempotency' AND pagetype = 'leaf'
                        """)
            }
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
                let plan = { (sql: String, arguments: StatementArguments) in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments).map {
                        $0["detail"] as String
                    }
                }
                return (
                    idempotency: try plan(RecordReader.byIdempotencyKey, ["hubspot", "evt-1"]),
                    prune: try plan(Journal.pruneChunkSelect, [1_700_000_000_000, Journal.pruneChunk])
                )
            }
            #expect(plans.idempotency.contains { $0.hasPrefix("SEARCH opt_outs USING INDEX opt_outs_idempotency") })
            #expect(plans.prune.contains { $0.hasPrefix("SEARCH opt_outs USING INDEX opt_outs_status") })
            for detail in plans.idempotency + plans.prune {
                #expect(!detail.hasPrefix("SCAN opt_outs"), "\(detail)")
            }
        }
    }
}
