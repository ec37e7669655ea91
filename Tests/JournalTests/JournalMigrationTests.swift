import Foundation
import GRDB
import OptOutCore
import Testing

@testable import Journal

@Suite("Migrating a journal written before the suppression list")
struct JournalMigrationTests {
    /// A journal as the code before the suppression list wrote it: the `v1` schema, opt-outs inserted with its
    /// statements, in the state its delivery left them.
    private func writeVersion1Journal(at path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
        try JournalSchema.migrator.migrate(queue, upTo: "v1")
        try queue.write { db in
            let insertOptOut = """
                INSERT INTO opt_outs
                    (id, source, idempotency_key, keys, request_id, received_at, updated_at, reason, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
            let insertLead = """
                INSERT INTO leads (opt_out_id, pearl_id, lead_id, status, queued_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """
            try db.execute(
                sql: insertOptOut,
                arguments: [
                    "op_01A", "hubspot", "evt-1", #"["email:jane@example.com","phone:+15551234567","hubspot:1"]"#,
                    "req-1", 1_700_000_000_000, 1_700_000_000_500, nil, "deleted",
                ])
            try db.execute(
                sql: insertLead,
                arguments: ["op_01A", "P1", "lead-jane", "deleted", 1_700_000_000_000, 1_700_000_000_500])
            try db.execute(
                sql: insertOptOut,
                arguments: [
                    "op_01B", "api", nil, #"["email:zoe@example.com","phone:+15550001111"]"#, "req-2",
                    1_700_000_100_000, 1_700_000_100_000, "unmapped", "ignored",
                ])
            try db.execute(
                sql: insertOptOut,
                arguments: [
                    "op_01C", "twilio", "SM1", #"["phone:+15551234567"]"#, "req-3", 1_700_000_200_000,
                    1_700_000_200_000, nil, "queued",
                ])
            try db.execute(
                sql: insertLead,
                arguments: ["op_01C", "P1", "lead-jane-2", "pending", 1_700_000_200_000, 1_700_000_200_000])
        }
    }

    @Test("The first open back-fills the list from every opt-out and keeps the records readable")
    func backfill() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("journal.sqlite")
        try writeVersion1Journal(at: path)

        let journal = try Journal(path: path)
        let phone = try #require(try await journal.suppression(key: "phone:+15551234567"))
        #expect(phone.firstOptOutId == "op_01A")
        #expect(phone.firstSource == "hubspot")
        #expect(phone.latestOptOutId == "op_01C")
        #expect(phone.latestSource == "twilio")
        #expect(phone.optOutCount == 2)
        #expect(phone.firstAt == Timestamp.date(1_700_000_000_000))
        #expect(phone.identifiers.contains("phone:+15551234567"))
        let counts = try await journal.suppressionCounts()
        #expect(counts.keys == 5)
        // Old unmapped opt-outs are what the list now calls suppressed.
        #expect(try await journal.record(id: "op_01B")?.status == .suppressed)
        let old = try #require(try await journal.record(id: "op_01A"))
        #expect(old.leads.map(\.kind) == [.delete])
        #expect(old.identifiers == old.keys)
        #expect(try await journal.pendingLeads().map(\.lead.leadId) == ["lead-jane-2"])
        // The lead deleted before the upgrade counts as journaled: enforcement will not delete it again.
        #expect(try journal.unjournaledLeads([Lead(pearlId: "P1", leadId: "lead-jane")]).isEmpty)
        // Back-filled phones have no blacklist state yet: enforcement sends them.
        let keys = try await journal.suppressedKeys()
        #expect(keys.filter { $0.key.hasPrefix("phone:") }.allSatisfy { $0.blacklist == nil })
        try journal.close()

        // A second open migrates nothing more and counts nothing twice.
        let reopened = try Journal(path: path)
        #expect(try await reopened.suppression(key: "phone:+15551234567")?.optOutCount == 2)
        try reopened.close()
    }

    /// A journal that an earlier build wrote: migrated up to `version` only, with the rows that `sql` inserts.
    private func writeJournal(at path: String, upTo version: String, rows sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
        try JournalSchema.migrator.migrate(queue, upTo: version)
        try queue.write { db in try db.execute(sql: sql) }
        try queue.close()
    }

    /// The name and SQL of each index of `table` that a statement created, by name.
    private func indexes(of table: String, in journal: Journal) async throws -> [(name: String, sql: String)] {
        try await journal.pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql NOT NULL ORDER BY name",
                arguments: [table]
            )
            .map { ($0["name"] as String, $0["sql"] as String) }
        }
    }

    @Test("A journal of v3 loses the index on updated_at and keeps its idempotency keys working")
    func leanIndexes() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("journal.sqlite")
        // The schema before the lean indexes: one opt-out with an idempotency key, one without.
        try writeJournal(
            at: path, upTo: "v3-campaigns",
            rows: """
                INSERT INTO opt_outs (id, source, idempotency_key, keys, received_at, updated_at, status)
                VALUES ('op_01A', 'hubspot', 'evt-1', '["email:jane@example.com"]', 1, 2, 'suppressed'),
                       ('op_01B', 'api', NULL, '["email:zoe@example.com"]', 3, 4, 'suppressed')
                """)

        let journal = try Journal(path: path)
        let indexes = try await indexes(of: "opt_outs", in: journal)
        #expect(!indexes.contains { $0.name == "opt_outs_updated" })
        #expect(
            indexes.contains {
                $0.name == "opt_outs_idempotency" && $0.sql.contains("WHERE idempotency_key IS NOT NULL")
            })
        #expect(try await journal.append(sampleOptOut(source: "hubspot", key: "evt-1")).isDuplicate)
        #expect(try await journal.record(id: "op_01B")?.idempotencyKey == nil)
        try journal.close()
    }

    @Test("A journal of v5 keeps its rows, and its status indexes keep those not deleted")
    func statusIndexesWithoutDeleted() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("journal.sqlite")
        // Status indexes that held every row: an opt-out deleted, one queued, one failed.
        try writeJournal(
            at: path, upTo: "v5-deleted-at",
            rows: """
                INSERT INTO opt_outs (id, source, keys, received_at, updated_at, status)
                VALUES ('op_01A', 'api', '["email:jane@example.com"]', 1, 2, 'deleted'),
                       ('op_01B', 'api', '["email:zoe@example.com"]', 3, 4, 'queued'),
                       ('op_01C', 'api', '["email:max@example.com"]', 5, 6, 'failed');
                INSERT INTO leads (id, opt_out_id, pearl_id, lead_id, status, queued_at, updated_at, deleted_at)
                VALUES (1, 'op_01A', 'P', 'L1', 'deleted', 1, 2, 2), (2, 'op_01B', 'P', 'L2', 'pending', 3, 3, NULL),
                       (3, 'op_01C', 'P', 'L3', 'failed', 5, 6, NULL);
                """)

        let journal = try Journal(path: path)
        let statusIndexes = try await (indexes(of: "leads", in: journal) + indexes(of: "opt_outs", in: journal))
            .filter { $0.name.hasSuffix("_status") }
        #expect(statusIndexes.map(\.name) == ["leads_status", "opt_outs_status"])
        #expect(statusIndexes.allSatisfy { $0.sql.hasSuffix("WHERE " + JournalSchema.notDeleted) }, "\(statusIndexes)")
        #expect(try journal.list(status: .deleted).map(\.id) == ["op_01A"])
        #expect(try journal.list(status: .queued).map(\.id) == ["op_01B"])
        #expect(try journal.list(status: .failed).map(\.id) == ["op_01C"])
        #expect(try await journal.pendingLeads().map(\.leadRowID) == [2])
        #expect(try await journal.counts() == (pending: 1, failed: 1))
        #expect(try await journal.retryAllFailed().map(\.leadRowID) == [3])
        try journal.close()
    }

    /// `Fixtures/v1-journal.sqlite` was written by the release build of e3190a9, the last before the suppression
    /// list, as a new user of the quick start would: Jane opted out by email (mapped, deleted), Zoe by email and
    /// phone (unmapped: answered 404 and journaled `ignored`), then Jane again by a phone number written by hand.
    @Test("A journal written by the build before the list is back-filled on its first open")
    func journalOfThePreviousBuild() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("journal.sqlite")
        let fixture = try #require(Bundle.module.url(forResource: "Fixtures/v1-journal", withExtension: "sqlite"))
        try FileManager.default.copyItem(atPath: fixture.path, toPath: path)

        let journal = try Journal(path: path)
        let counts = try await journal.suppressionCounts()
        #expect(counts.keys == 4)
        let zoe = try #require(try await journal.suppression(key: "email:zoe@example.com"))
        #expect(zoe.firstSource == "api")
        #expect(try await journal.suppression(key: "phone:+15550001111")?.firstOptOutId == zoe.firstOptOutId)
        #expect(try await journal.record(id: zoe.firstOptOutId)?.status == .suppressed)
        #expect(try await journal.suppression(key: "phone:+15551234567")?.optOutCount == 1)
        #expect(try await journal.suppression(key: "email:jane.doe@example.com")?.optOutCount == 1)
        // Zoe's phone never reached a blacklist: the next enforcement sends it.
        let phones = try await journal.suppressedKeys().filter { $0.key.hasPrefix("phone:") }
        #expect(phones.count == 2)
        #expect(phones.allSatisfy { Journal.needsBlacklisting($0.blacklist, initialStatus: .pending) })
        // Jane's lead was deleted by the old build: known, so neither enforcement nor a new opt-out sends it again.
        #expect(try journal.unjournaledLeads([Lead(pearlId: "6720c0f8e4b0a1b2c3d4e5f6", leadId: "lead-jane")]).isEmpty)
        try journal.close()
    }
}
