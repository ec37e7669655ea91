import Foundation
import GRDB
import JSON
import OptOutCore

extension Journal {
    // MARK: - Writing the list, inside an opt-out's transaction

    /// Puts the opt-out's keys on the suppression list and marks its phones' blacklist entries as on their way.
    ///
    /// Runs in the transaction that inserts the opt-out, so the list never lags an acknowledgement. A record that
    /// enforces an existing entry (``NewOptOut/suppressedBy``) and an `invalid` one add no key.
    ///
    /// - Returns: the numbers of ``NewOptOut/blacklist`` that are blacklisted already and need no new row.
    static func suppress(_ item: NewOptOut, optOutID: String, at receivedAt: Int64, _ db: Database) throws -> Set<
        String
    > {
        guard !item.isInvalid else { return [] }
        if item.suppressedBy == nil {
            let upsert = try RawStatement(
                db,
                sql: """
                    INSERT OR ROLLBACK INTO suppressions (key, identifiers, first_source, first_opt_out_id, first_at,
                        latest_source, latest_opt_out_id, latest_at, opt_out_count)
                    VALUES (?1, ?2, ?3, ?4, ?5, ?3, ?4, ?5, 1)
                    ON CONFLICT(key) DO UPDATE SET
                        latest_source = excluded.latest_source, latest_opt_out_id = excluded.latest_opt_out_id,
                        latest_at = excluded.latest_at, opt_out_count = opt_out_count + 1,
                        identifiers = CASE WHEN suppressions.identifiers = excluded.identifiers
                            THEN suppressions.identifiers
                            ELSE (SELECT json_group_array(value) FROM (
                                SELECT value FROM json_each(suppressions.identifiers)
                                UNION SELECT value FROM json_each(excluded.identifiers) LIMIT \(maximumIdentifiers)))
                            END
                    """)
            let identifiers = JSONWriter.arrayText(item.identifiers)
            for key in item.keys {
                try upsert.execute(key, identifiers, item.source, optOutID, receivedAt)
            }
        }
        guard !item.blacklist.isEmpty else { return [] }
        let mark = try RawStatement(
            db, sql: "UPDATE suppressions SET blacklist = ?, blacklist_updated_at = ? WHERE key = ?")
        let newState = BlacklistState(item.initialStatus).rawValue
        var blacklisted = Set<String>()
        for phone in item.blacklist {
            if try blacklistState(phone: phone, db) == .blacklisted {
                blacklisted.insert(phone)
            } else {
                try mark.execute(newState, receivedAt, "phone:" + phone)
            }
        }
        return blacklisted
    }

    /// The blacklist state that the list shows for this E.164 number; nil when it was never sent.
    static func blacklistState(phone: String, _ db: Database) throws -> BlacklistState? {
        let state = try RawStatement(db, sql: "SELECT blacklist FROM suppressions WHERE key = ?")
        return try state.fetchOne("phone:" + phone, read: { $0.text(0) }).flatMap { $0 }.flatMap(BlacklistState.init)
    }

    /// At most this many distinct forms of one key's identifiers are kept.
    static let maximumIdentifiers = 50

    /// Records the final state of blacklist rows on their numbers' entries; a number once blacklisted stays so.
    static func recordBlacklist(phone: String, status: LeadStatus, at: Int64, _ db: Database) throws {
        try RawStatement(
            db,
            sql: """
                UPDATE suppressions SET blacklist = ?1, blacklist_updated_at = ?2
                WHERE key = ?3 AND (blacklist IS NULL OR blacklist != 'blacklisted' OR ?1 = 'blacklisted')
                """
        ).execute(BlacklistState(status).rawValue, at, "phone:" + phone)
    }

    /// Fills the list from the opt-outs of a journal written before it existed, oldest first (migration `v2`).
    ///
    /// The identifiers as sent were not kept then, so each entry's identifiers are the normalised keys (and an old
    /// opt-out's NULL `identifiers` reads back as its keys).
    static func backfillSuppressions(_ db: Database) throws {
        let rows = try Row.fetchCursor(
            db, sql: "SELECT id, source, keys, received_at FROM opt_outs ORDER BY received_at, id")
        while let row = try rows.next() {
            let keys = try JournalError.strings(row[2])
            var item = NewOptOut(source: row[1], keys: keys, leads: [])
            item.receivedAt = Timestamp.date(row[3])
            _ = try suppress(item, optOutID: row[0], at: row[3], db)
        }
    }

    // MARK: - Reading the list

    static let suppressionColumns = """
        key, identifiers, first_source, first_opt_out_id, first_at, latest_source, latest_opt_out_id, latest_at,
        opt_out_count, blacklist, blacklist_updated_at
        """

    static func suppressionRecord(_ row: Row) throws -> SuppressionRecord {
        let blacklist: String? = row[9]
        let updated: Int64? = row[10]
        return SuppressionRecord(
            key: row[0], identifiers: try JournalError.strings(row[1]), firstSource: row[2], firstOptOutId: row[3],
            firstAt: Timestamp.date(row[4]), latestSource: row[5], latestOptOutId: row[6],
            latestAt: Timestamp.date(row[7]), optOutCount: row[8],
            blacklist: try blacklist.map { try RecordReader.status($0, BlacklistState.self) },
            blacklistUpdatedAt: updated.map(Timestamp.date))
    }

    /// The list's entry for a normalised key, or nil when the key is not suppressed.
    public func suppression(key: String) async throws -> SuppressionRecord? {
        try await readAfterQueuedWrites { db in
            let statement = try db.cachedStatement(
                sql: "SELECT \(Self.suppressionColumns) FROM suppressions WHERE key = ?")
            return try Row.fetchOne(statement, arguments: [key]).map(Self.suppressionRecord)
        }
    }

    /// The entries of those of `keys` (normalised) that are suppressed, by key.
    public func suppressions(keys: [String]) async throws -> [String: SuppressionRecord] {
        try await readAfterQueuedWrites { db in try Self.suppressions(keys: keys, db) }
    }

    /// ``suppressions(keys:)`` from synchronous code (the command line).
    public func suppressionsNow(keys: [String]) throws -> [String: SuppressionRecord] {
        try pool.read { db in try Self.suppressions(keys: keys, db) }
    }

    private static func suppressions(keys: [String], _ db: Database) throws -> [String: SuppressionRecord] {
        var found: [String: SuppressionRecord] = [:]
        let statement = try db.cachedStatement(
            sql: "SELECT \(Self.suppressionColumns) FROM suppressions WHERE key = ?")
        for key in Set(keys) {
            if let row = try Row.fetchOne(statement, arguments: [key]) {
                found[key] = try suppressionRecord(row)
            }
        }
        return found
    }

    /// Entries first suppressed at or after `since`, oldest first, streamed to `body` one at a time from one
    /// consistent snapshot.
    public func eachSuppression(since: Date? = nil, _ body: (SuppressionRecord) throws -> Void) throws {
        try pool.read { db in
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT \(Self.suppressionColumns) FROM suppressions WHERE first_at >= ? ORDER BY first_at, key",
                arguments: [since.map(Timestamp.milliseconds) ?? Int64.min])
            while let row = try rows.next() {
                try body(try Self.suppressionRecord(row))
            }
        }
    }

    /// How many keys are suppressed, and how many phone numbers stand in each blacklist state.
    public func suppressionCounts() async throws -> (keys: Int, blacklist: [BlacklistState: Int]) {
        try await readAfterQueuedWrites { db in
            let keys = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM suppressions") ?? 0
            var blacklist: [BlacklistState: Int] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT blacklist, COUNT(*) FROM suppressions WHERE blacklist IS NOT NULL GROUP BY blacklist")
            {
                if let state = BlacklistState(rawValue: row[0]) { blacklist[state] = row[1] }
            }
            return (keys, blacklist)
        }
    }

    // MARK: - Re-consent

    /// A deliberate re-consent: takes `key` off the list, keeping the removed entry and the reason in
    /// `suppression_removals`. It does not touch NLPearl's blacklist.
    ///
    /// - Returns: the entry removed, or nil when the key was not suppressed (nothing is written then).
    public func removeSuppression(key: String, reason: String) async throws -> SuppressionRecord? {
        try await writer.write { db in
            let statement = try db.cachedStatement(
                sql: "SELECT \(Self.suppressionColumns) FROM suppressions WHERE key = ?")
            guard let row = try Row.fetchOne(statement, arguments: [key]) else { return nil }
            let record = try Self.suppressionRecord(row)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            try db.cachedStatement(
                sql: "INSERT INTO suppression_removals (key, removed_at, reason, removed) VALUES (?, ?, ?, ?)"
            ).execute(arguments: [
                key, Timestamp.milliseconds(Date()), reason,
                String(decoding: try encoder.encode(record), as: UTF8.self),
            ])
            try db.cachedStatement(sql: "DELETE FROM suppressions WHERE key = ?").execute(arguments: [key])
            return record
        }
    }

    /// The re-consents recorded for a key, oldest first: when, and why.
    public func suppressionRemovals(key: String) async throws -> [(at: Date, reason: String)] {
        try await readAfterQueuedWrites { db in
            try Row.fetchAll(
                db, sql: "SELECT removed_at, reason FROM suppression_removals WHERE key = ? ORDER BY id",
                arguments: [key]
            ).map { (Timestamp.date($0[0]), $0[1]) }
        }
    }

    // MARK: - Enforcement (SPEC §9, on every mapping load)

    /// One entry of the list as enforcement needs it.
    public struct SuppressedKey: Sendable, Hashable {
        public var key: String
        /// The opt-out that the enforcement records link to: the latest that named the key.
        public var latestOptOutID: String
        public var blacklist: BlacklistState?
    }

    /// Every entry of the list, in key order: what a mapping load checks its contacts against.
    public func suppressedKeys() async throws -> [SuppressedKey] {
        try await pool.read(Self.suppressedKeys)
    }

    /// ``suppressedKeys()`` from synchronous code (`check`).
    public func suppressedKeysNow() throws -> [SuppressedKey] {
        try pool.read(Self.suppressedKeys)
    }

    private static func suppressedKeys(_ db: Database) throws -> [SuppressedKey] {
        var keys: [SuppressedKey] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT key, latest_opt_out_id, blacklist FROM suppressions")
        while let row = try rows.next() {
            let blacklist: String? = row[2]
            keys.append(
                SuppressedKey(key: row[0], latestOptOutID: row[1], blacklist: blacklist.flatMap(BlacklistState.init)))
        }
        return keys
    }

    /// What a mapping load found for one suppressed key: leads of contacts carrying it, and whether its phone still
    /// has to go on the blacklist.
    public struct Enforcement: Sendable, Hashable {
        public var key: String
        public var suppressedBy: String
        public var leads: [Lead]
        /// The E.164 number to blacklist, for a phone key not yet blacklisted.
        public var blacklist: String?

        public init(key: String, suppressedBy: String, leads: [Lead], blacklist: String? = nil) {
            self.key = key
            self.suppressedBy = suppressedBy
            self.leads = leads
            self.blacklist = blacklist
        }
    }

    /// How many enforcements one write job checks, so that appends queued meanwhile wait milliseconds, not a second.
    static let enforcementChunk = 2000

    /// Of these leads, those that no row of the journal deletes, and never did.
    ///
    /// One statement per campaign, its lead ids handed over as one JSON array: SQLite looks each up in
    /// `leads_target` and `settled_leads` without a round trip through Swift per lead, six times faster than a
    /// statement per lead for the 120,000 leads of 100,000 suppressed keys (`Benchmarks/suppression-scale.py`).
    public func unjournaledLeads(_ leads: [Lead]) throws -> [Lead] {
        try pool.read { db in try Self.unjournaledLeads(leads, db) }
    }

    static func unjournaledLeads(_ leads: [Lead], _ db: Database) throws -> [Lead] {
        let statement = try db.cachedStatement(
            sql: """
                SELECT j.value FROM json_each(?2) j
                WHERE NOT EXISTS (SELECT 1 FROM leads WHERE pearl_id = ?1 AND lead_id = j.value)
                    AND NOT EXISTS (SELECT 1 FROM settled_leads WHERE pearl_id = ?1 AND lead_id = j.value)
                """)
        var fresh: [Lead] = []
        for (pearlId, group) in Dictionary(grouping: leads, by: \.pearlId) {
            let ids = try String.fetchAll(statement, arguments: [pearlId, JSONWriter.arrayText(group.map(\.leadId))])
            fresh += ids.map { Lead(pearlId: pearlId, leadId: $0) }
        }
        return fresh
    }

    /// Journals the work that enforcing the list needs: for each key, one opt-out of source `suppression`, linked to
    /// the opt-out that suppressed it, with the leads that no row of the journal deletes yet (checked in the write
    /// transaction, so that an opt-out journaled meanwhile is not doubled) and the phone to blacklist.
    ///
    /// - Returns: the records created; their pending rows are the dispatcher's work.
    public func appendEnforcements(_ enforcements: [Enforcement], initialStatus: LeadStatus) async throws
        -> [OptOutRecord]
    {
        var created: [OptOutRecord] = []
        var start = 0
        while start < enforcements.count {
            let chunk = Array(enforcements[start..<min(start + Self.enforcementChunk, enforcements.count)])
            start += chunk.count
            created += try await writer.write { db in
                try self.insert(chunk, initialStatus: initialStatus, origin: nil, db)
            }
        }
        return created
    }

    /// The enforcements' opt-outs, written in the caller's transaction; those with nothing left to do are skipped.
    func insert(_ enforcements: [Enforcement], initialStatus: LeadStatus, origin: LeadOrigin?, _ db: Database) throws
        -> [OptOutRecord]
    {
        let now = Timestamp.milliseconds(Date())
        var records: [OptOutRecord] = []
        for enforcement in enforcements {
            let leads = try enforcement.leads.filter { try !Self.isJournaled($0, db) }
            var phones: [String] = []
            if let phone = enforcement.blacklist,
                Self.needsBlacklisting(try Self.blacklistState(phone: phone, db), initialStatus: initialStatus)
            {
                phones = [phone]
            }
            guard !leads.isEmpty || !phones.isEmpty else { continue }
            let reason =
                leads.isEmpty ? "blacklist" : origin == .sweep ? "found by the sweep" : "enforced on mapping load"
            let item = NewOptOut(
                source: Self.suppressionSource, keys: [enforcement.key], identifiers: [], leads: leads,
                blacklist: phones, leadOrigin: origin, initialStatus: initialStatus, reason: reason,
                suppressedBy: enforcement.suppressedBy, receivedAt: Timestamp.date(now))
            records.append(try insert(item, now: now, db))
        }
        return records
    }

    /// Whether a phone in this blacklist state still has to be sent: never sent, or only in a dry run (and this is
    /// not one). A number NLPearl refused, or gave up on, waits for `journal retry` instead of being sent again at
    /// every load.
    public static func needsBlacklisting(_ state: BlacklistState?, initialStatus: LeadStatus) -> Bool {
        state == nil || (state == .dryRun && initialStatus == .pending)
    }

    /// The source of the opt-outs that the bridge makes itself to enforce the list.
    public static let suppressionSource = "suppression"
}

extension Journal {
    /// The CSV header of ``exportSuppressions(since:format:write:)``.
    public static let suppressionCSVColumns = [
        "key", "identifiers", "first_source", "first_opt_out_id", "first_at", "latest_source", "latest_opt_out_id",
        "latest_at", "opt_out_count", "blacklist", "blacklist_updated_at",
    ]

    /// Writes the suppression list, oldest first, streamed line by line from one snapshot: JSON Lines of
    /// ``SuppressionRecord``, or RFC 4180 CSV with ``suppressionCSVColumns``.
    public func exportSuppressions(since: Date? = nil, format: ExportFormat, write: (String) throws -> Void) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        if format == .csv {
            try write(CSV.row(Self.suppressionCSVColumns))
        }
        try eachSuppression(since: since) { record in
            switch format {
            case .jsonl:
                try write(String(decoding: try encoder.encode(record), as: UTF8.self) + "\n")
            case .csv:
                try write(
                    CSV.row([
                        record.key, JSONWriter.arrayText(record.identifiers), record.firstSource, record.firstOptOutId,
                        Timestamp.iso8601(record.firstAt), record.latestSource, record.latestOptOutId,
                        Timestamp.iso8601(record.latestAt), String(record.optOutCount),
                        record.blacklist?.rawValue ?? "", record.blacklistUpdatedAt.map(Timestamp.iso8601) ?? "",
                    ]))
            }
        }
    }
}
