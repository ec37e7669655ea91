import Foundation
import GRDB
import JSON
import OptOutCore

extension Journal {
    // MARK: - Search on opt-out (SPEC §10)

    /// Records a finished search: its row becomes `deleted` (searched) with an attempt that says what it found, and
    /// each lead found that the opt-out does not hold yet is added to it, with origin `search`, in one transaction.
    ///
    /// A found lead that another row deleted already is added as `deleted`, with an attempt naming that opt-out, as
    /// ``append(_:)-(NewOptOut)`` does for a mapped one: NLPearl would answer `false` for it. A search row that is not
    /// pending any more (recorded already) changes nothing. Like ``recordOutcomes(_:)``, it returns once committed: a
    /// power loss forgets the search and its leads together, and the search is made again.
    ///
    /// - Parameters:
    ///   - searchRowID: The search row.
    ///   - found: The exact matches, in the order NLPearl answered them.
    ///   - attempt: The attempt to record on the search row (outcome `searched`).
    ///   - initialStatus: `pending` for real work, `dryRun` in dry-run mode.
    /// - Returns: the rows added, which are the dispatcher's work when pending.
    public func recordSearch(
        searchRowID: Int64, found: [Lead], attempt: Attempt, initialStatus: LeadStatus = .pending
    ) async throws -> [LeadRecord] {
        try await writer.write(durable: false) { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT opt_out_id, status FROM leads WHERE id = ? AND kind = 'search'",
                    arguments: [searchRowID]),
                row[1] == LeadStatus.pending.rawValue
            else { return [] }
            let optOutID: String = row[0]
            let now = Timestamp.milliseconds(Date())
            let held = Set(
                try Row.fetchAll(
                    db, sql: "SELECT pearl_id, lead_id FROM leads WHERE opt_out_id = ? AND kind = 'delete'",
                    arguments: [optOutID]
                ).map { Lead(pearlId: $0[0], leadId: $0[1]) })
            var seen = held
            let fresh = found.filter { seen.insert($0).inserted }
            let deletedBy = initialStatus == .pending ? try Self.deletedBefore(fresh, db) : [:]
            let insertRow = try Self.insertRowStatement(db)
            var added: [LeadRecord] = []
            for lead in fresh {
                let status = deletedBy[lead] == nil ? initialStatus : .deleted
                try insertRow.execute(
                    optOutID, ActionKind.delete.rawValue, lead.pearlId, lead.leadId, LeadOrigin.search.rawValue,
                    status.rawValue, now, now)
                var record = LeadRecord(
                    rowID: db.lastInsertedRowID, pearlId: lead.pearlId, leadId: lead.leadId, origin: .search,
                    status: status, queuedAt: Timestamp.date(now))
                if let earlier = deletedBy[lead] {
                    let previously = Attempt(
                        at: Timestamp.date(now), outcome: "deleted_previously", detail: "deleted by \(earlier)")
                    try Self.insertAttempt(previously, row: record.rowID, db)
                    record.attempts = [previously]
                }
                added.append(record)
            }
            try db.cachedStatement(
                sql: """
                    UPDATE leads SET status = 'deleted', attempt_count = attempt_count + 1, next_attempt_at = NULL,
                        last_error = NULL, updated_at = ?
                    WHERE id = ?
                    """
            ).execute(arguments: [now, searchRowID])
            try Self.insertAttempt(attempt, row: searchRowID, db)
            if !added.isEmpty {
                try db.cachedStatement(sql: "UPDATE opt_outs SET reason = NULL WHERE id = ? AND reason = 'unmapped'")
                    .execute(arguments: [optOutID])
            }
            try Self.refreshStatus(of: [optOutID], now: now, db)
            return added
        }
    }

    // MARK: - The sweep (SPEC §10)

    /// Where a sweep of the campaigns stands: journaled after every page, so that a restart resumes it.
    public struct SweepCursor: Sendable, Hashable {
        /// When the sweep began.
        public var startedAt: Date
        /// The campaign being read.
        public var pearlId: String
        /// How many of its leads to pass over to reach the next page.
        public var skip: Int
        /// Search calls made so far, over every campaign.
        public var calls: Int
        /// Leads read so far.
        public var scanned: Int
        /// Leads read whose phone or CRM id is on the suppression list.
        public var matched: Int
        /// Of those, leads that no row of the journal deleted yet, now journaled for deletion.
        public var queued: Int

        public init(
            startedAt: Date, pearlId: String, skip: Int = 0, calls: Int = 0, scanned: Int = 0, matched: Int = 0,
            queued: Int = 0
        ) {
            self.startedAt = startedAt
            self.pearlId = pearlId
            self.skip = skip
            self.calls = calls
            self.scanned = scanned
            self.matched = matched
            self.queued = queued
        }
    }

    /// The sweep under way, if one was interrupted, and when the last one completed.
    public func sweepState() async throws -> (cursor: SweepCursor?, lastCompletedAt: Date?) {
        try await pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT started_at, pearl_id, skip, calls, scanned, matched, queued, last_completed_at
                        FROM sweep_state WHERE id = 1
                        """)
            else { return (nil, nil) }
            let completed = (row[7] as Int64?).map(Timestamp.date)
            guard let started: Int64 = row[0], let pearlId: String = row[1] else { return (nil, completed) }
            return (
                SweepCursor(
                    startedAt: Timestamp.date(started), pearlId: pearlId, skip: row[2], calls: row[3],
                    scanned: row[4], matched: row[5], queued: row[6]),
                completed
            )
        }
    }

    /// Journals what one page of a sweep found: the opt-outs that enforce the list on its leads (origin `sweep`,
    /// checked against the journal in this transaction), with the cursor, together.
    ///
    /// Like the cursor's, these writes return once committed, without waiting for the fsync: a power loss forgets
    /// the latest pages, and the resumed sweep reads them again and finds the same leads, so nothing is lost.
    ///
    /// - Returns: the records created; their pending rows are the dispatcher's work.
    public func recordSweepPage(_ enforcements: [Enforcement], cursor: SweepCursor, initialStatus: LeadStatus)
        async throws -> [OptOutRecord]
    {
        try await writer.write(durable: false) { db in
            let records = try self.insert(enforcements, initialStatus: initialStatus, origin: .sweep, db)
            try Self.save(cursor, db)
            return records
        }
    }

    /// Journals the cursor alone, after a page that found nothing new; committed, not awaited to the fsync.
    public func saveSweepCursor(_ cursor: SweepCursor) async throws {
        try await writer.write(durable: false) { db in try Self.save(cursor, db) }
    }

    /// Ends the sweep under way: no cursor is left, and the next sweep starts from the first campaign.
    ///
    /// - Parameter completedAt: when it read every campaign to its end; nil when a campaign could not be read, which
    ///   leaves the last completion as it was.
    public func endSweep(completedAt: Date?) async throws {
        try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sweep_state (id, started_at, pearl_id, last_completed_at) VALUES (1, NULL, NULL, ?1)
                    ON CONFLICT (id) DO UPDATE SET started_at = NULL, pearl_id = NULL, skip = 0, calls = 0,
                        scanned = 0, matched = 0, queued = 0, last_completed_at = coalesce(?1, last_completed_at)
                    """, arguments: [completedAt.map(Timestamp.milliseconds)])
        }
    }

    private static func save(_ cursor: SweepCursor, _ db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO sweep_state (id, started_at, pearl_id, skip, calls, scanned, matched, queued)
                VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
                ON CONFLICT (id) DO UPDATE SET started_at = ?1, pearl_id = ?2, skip = ?3, calls = ?4, scanned = ?5,
                    matched = ?6, queued = ?7
                """
        ).execute(arguments: [
            Timestamp.milliseconds(cursor.startedAt), cursor.pearlId, cursor.skip, cursor.calls, cursor.scanned,
            cursor.matched, cursor.queued,
        ])
    }

    /// Of these normalised keys, those on the suppression list, with what enforcing them needs: one lookup in the
    /// list's primary key per key, all in one statement.
    public func suppressed(among keys: [String]) async throws -> [String: SuppressedKey] {
        guard !keys.isEmpty else { return [:] }
        return try await pool.read { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT s.key, s.latest_opt_out_id, s.blacklist
                        FROM json_each(?) j JOIN suppressions s ON s.key = j.value
                        """),
                arguments: [JSONWriter.arrayText(keys)])
            var found: [String: SuppressedKey] = [:]
            for row in rows {
                let blacklist: String? = row[2]
                found[row[0]] = SuppressedKey(
                    key: row[0], latestOptOutID: row[1], blacklist: blacklist.flatMap(BlacklistState.init))
            }
            return found
        }
    }
}
