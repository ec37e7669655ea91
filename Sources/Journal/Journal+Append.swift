import Foundation
import GRDB
import JSON
import OptOutCore

extension Journal {
    /// An opt-out to append: what arrived and what it resolved to.
    public struct NewOptOut: Sendable, Hashable {
        /// The sender's name, or `api`.
        public var source: String
        /// The sender's event id or the `Idempotency-Key`; nil when the request has none (no dedupe).
        public var idempotencyKey: String?
        /// The contact keys the event carried, normalised: each goes on the suppression list (SPEC §9).
        public var keys: [String]
        /// The contact's identifiers exactly as the sender sent them (`email:Jane@Example.com `), including those
        /// that did not normalise into a key, for the audit.
        public var identifiers: [String]
        /// The leads to delete; may be empty (the opt-out is then `suppressed`: its keys are on the list).
        public var leads: [Lead]
        /// Phone numbers (E.164) to put on NLPearl's account blacklist. A number the list already shows as
        /// blacklisted gets no new row.
        public var blacklist: [String]
        /// Searches to make (SPEC §10): `pearlId` the campaign, `leadId` the contact key to look for in it.
        public var searches: [Lead]
        /// How ``leads`` were found, when neither the mapping nor the request named them (the sweep's).
        public var leadOrigin: LeadOrigin?
        /// The status the leads start in: `pending` for real work, `dryRun` in dry-run mode.
        public var initialStatus: LeadStatus
        /// Why there are no leads (`unmapped`), or why the event is `invalid`, for the audit.
        public var reason: String?
        /// For an opt-out the bridge made itself (source `suppression`): the opt-out whose key it enforces.
        public var suppressedBy: String?
        /// An event of a batch that could not be used: journaled as `invalid` with its ``reason``, without keys,
        /// leads or idempotency key (so that a corrected resend is not taken for a duplicate).
        public var isInvalid: Bool
        /// The request's `X-Request-Id`.
        public var requestId: String?
        /// When the request arrived.
        public var receivedAt: Date

        /// Creates an opt-out to append.
        public init(
            source: String, idempotencyKey: String? = nil, keys: [String] = [], identifiers: [String]? = nil,
            leads: [Lead], blacklist: [String] = [], searches: [Lead] = [], leadOrigin: LeadOrigin? = nil,
            initialStatus: LeadStatus = .pending, reason: String? = nil, suppressedBy: String? = nil,
            requestId: String? = nil, receivedAt: Date = Date()
        ) {
            self.source = source
            self.idempotencyKey = idempotencyKey
            self.keys = keys
            self.identifiers = identifiers ?? keys
            self.leads = leads
            self.blacklist = blacklist
            self.searches = searches
            self.leadOrigin = leadOrigin
            self.initialStatus = initialStatus
            self.reason = reason
            self.suppressedBy = suppressedBy
            self.isInvalid = false
            self.requestId = requestId
            self.receivedAt = receivedAt
        }

        /// An event that could not be used, journaled as `invalid` with the reason.
        public static func invalid(
            source: String, reason: String, identifiers: [String] = [], requestId: String? = nil,
            receivedAt: Date = Date()
        ) -> NewOptOut {
            var item = NewOptOut(
                source: source, identifiers: identifiers, leads: [], reason: reason, requestId: requestId,
                receivedAt: receivedAt)
            item.isInvalid = true
            return item
        }
    }

    /// What ``append(_:)`` did with one opt-out.
    public enum AppendResult: Sendable, Hashable {
        /// Newly journaled; its pending leads are the dispatcher's work (``OptOutRecord/pendingLeads``).
        case created(OptOutRecord)
        /// The same `(source, idempotencyKey)` is already journaled: this is that first record, as it
        /// stands now, and nothing was written.
        case duplicate(OptOutRecord)
        /// A duplicate of an opt-out that had no lead to delete, whose keys now resolve to leads: they were added
        /// to that first record (SPEC §9: a retry resolves afresh). Its pending leads are the dispatcher's work.
        case reopened(OptOutRecord)

        /// The record, new or first.
        public var record: OptOutRecord {
            switch self {
            case .created(let record), .duplicate(let record), .reopened(let record): record
            }
        }

        /// Whether this was a duplicate delivery.
        public var isDuplicate: Bool {
            if case .created = self { return false }
            return true
        }

        /// Whether this append gave the record new work for the dispatcher.
        public var hasNewWork: Bool {
            if case .duplicate = self { return false }
            return true
        }
    }

    /// Journals one opt-out and returns once it is durably committed.
    ///
    /// A `(source, idempotencyKey)` already in the journal (until ``prune(olderThan:)`` removes it)
    /// answers ``AppendResult/duplicate(_:)`` and writes nothing. Repeated leads are kept once.
    ///
    /// - Throws: ``JournalError`` (``JournalError/isUnavailable``) when the transaction failed; then
    ///   nothing was written and the caller should answer 503.
    public func append(_ optOut: NewOptOut) async throws -> AppendResult {
        let results = try await append([optOut])
        return results[0]
    }

    /// Journals several opt-outs in one transaction (an array request), in order; one result per item.
    ///
    /// Items with the same `(source, idempotencyKey)` within the batch are deduplicated too: the later
    /// ones answer ``AppendResult/duplicate(_:)`` with the first one's record.
    public func append(_ batch: [NewOptOut]) async throws -> [AppendResult] {
        guard !batch.isEmpty else { return [] }
        return try await writer.write { db in try self.insert(batch, db) }
    }

    /// Journals several opt-outs like ``append(_:)-(Array)``, but returns as soon as they are committed, with the
    /// ``Durability`` of the fsync that makes them durable.
    ///
    /// What was committed survives a crash of the process, not yet a power loss. Work that is harmless to repeat,
    /// such as asking NLPearl to delete the leads, may start at once; anything that acknowledges the opt-outs must
    /// first await ``Durability/wait()``.
    ///
    /// - Throws: ``JournalError`` (``JournalError/isUnavailable``) when the transaction failed, or when an earlier
    ///   fsync failed; then nothing was written.
    public func appendCommitted(_ batch: [NewOptOut]) async throws -> (results: [AppendResult], durable: Durability) {
        try await writer.writeCommitted { db in try self.insert(batch, db) }
    }

    private func insert(_ batch: [NewOptOut], _ db: Database) throws -> [AppendResult] {
        let now = Timestamp.milliseconds(Date())
        var results: [AppendResult] = []
        results.reserveCapacity(batch.count)
        for item in batch {
            if !item.isInvalid, let key = item.idempotencyKey,
                let existing = try RecordReader.record(source: item.source, idempotencyKey: key, db)
            {
                results.append(try resolveAfresh(existing, with: item, now: now, db))
                continue
            }
            results.append(.created(try insert(item, now: now, db)))
        }
        return results
    }

    /// A duplicate: the first record as it stands, unless it had no lead to delete and the keys now resolve to leads
    /// that no row of the journal deletes yet; those are added to it.
    private func resolveAfresh(_ existing: OptOutRecord, with item: NewOptOut, now: Int64, _ db: Database) throws
        -> AppendResult
    {
        guard !item.leads.isEmpty, !existing.leads.contains(where: { $0.kind == .delete }) else {
            return .duplicate(existing)
        }
        let fresh = try item.leads.filter { try !Self.isJournaled($0, db) }
        guard !fresh.isEmpty else { return .duplicate(existing) }
        let insertLead = try Self.insertRowStatement(db)
        for lead in Set(fresh) {
            try insertLead.execute(
                existing.id, ActionKind.delete.rawValue, lead.pearlId, lead.leadId, String?.none,
                item.initialStatus.rawValue, now, now)
        }
        try db.cachedStatement(sql: "UPDATE opt_outs SET reason = NULL WHERE id = ?").execute(arguments: [existing.id])
        try Self.refreshStatus(of: [existing.id], now: now, db)
        guard let record = try RecordReader.record(id: existing.id, db) else { return .duplicate(existing) }
        return .reopened(record)
    }

    /// Whether a row of the journal already deletes this lead, or did before its opt-out was pruned.
    ///
    /// Two lookups in covering indexes (`leads_target`, `settled_leads`' key); blacklist rows have an empty
    /// `pearl_id`, so they never match a lead.
    static func isJournaled(_ lead: Lead, _ db: Database) throws -> Bool {
        let inLeads = try RawStatement(db, sql: "SELECT 1 FROM leads WHERE pearl_id = ? AND lead_id = ? LIMIT 1")
        if try inLeads.fetchOne(lead.pearlId, lead.leadId, read: { _ in true }) != nil { return true }
        let settled = try RawStatement(db, sql: "SELECT 1 FROM settled_leads WHERE pearl_id = ? AND lead_id = ?")
        return try settled.fetchOne(lead.pearlId, lead.leadId, read: { _ in true }) != nil
    }

    /// Of these leads, those that an opt-out's row already deleted (or did before it was pruned), with that opt-out.
    static func deletedBefore(_ leads: [Lead], _ db: Database) throws -> [Lead: String] {
        guard !leads.isEmpty else { return [:] }
        // One statement a lead: most leads were never deleted, and both lookups then come back empty.
        let statement = try RawStatement(
            db,
            sql: """
                SELECT opt_out_id FROM leads WHERE pearl_id = ?1 AND lead_id = ?2 AND status = 'deleted'
                UNION ALL SELECT opt_out_id FROM settled_leads WHERE pearl_id = ?1 AND lead_id = ?2
                LIMIT 1
                """)
        var found: [Lead: String] = [:]
        for lead in leads {
            if let id = try statement.fetchOne(lead.pearlId, lead.leadId, read: { $0.text(0) }) ?? nil {
                found[lead] = id
            }
        }
        return found
    }

    static func insertRowStatement(_ db: Database) throws -> RawStatement {
        try RawStatement(
            db,
            sql: """
                INSERT OR ROLLBACK INTO leads (opt_out_id, kind, pearl_id, lead_id, origin, status, queued_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
    }

    func insert(_ item: NewOptOut, now: Int64, _ db: Database) throws -> OptOutRecord {
        let id = "op_" + ids.next(milliseconds: now)
        let receivedAt = Timestamp.milliseconds(item.receivedAt)
        var seen = Set<Lead>()
        let leads = item.leads.filter { seen.insert($0).inserted }
        // Every key goes on the suppression list in this transaction; a phone already blacklisted needs no new row.
        let blacklisted = try Self.suppress(item, optOutID: id, at: receivedAt, db)
        var seenPhones = Set<String>()
        let phones = item.blacklist.filter { !blacklisted.contains($0) && seenPhones.insert($0).inserted }
        // A lead that an earlier opt-out deleted is not sent again: NLPearl would answer `false` for it, and the
        // opt-out would read `not_deleted` though the lead is gone. Its row is deleted at once, with an attempt that
        // names the opt-out that deleted it.
        // An enforcement (`suppressedBy`) checked its leads against the journal in this transaction already.
        let deletedBy =
            item.initialStatus == .pending && item.suppressedBy == nil ? try Self.deletedBefore(leads, db) : [:]
        var rows = leads.map {
            (
                kind: ActionKind.delete, lead: $0, origin: item.leadOrigin,
                status: deletedBy[$0] == nil ? item.initialStatus : .deleted
            )
        }
        rows += phones.map {
            (kind: .blacklist, lead: Lead(pearlId: "", leadId: $0), origin: nil, status: item.initialStatus)
        }
        var seenSearches = Set<Lead>()
        rows += item.searches.filter { seenSearches.insert($0).inserted }.map {
            (kind: .search, lead: $0, origin: nil, status: item.initialStatus)
        }
        let status = item.isInvalid ? .invalid : OptOutStatus.aggregate(rows.lazy.map { ($0.kind, $0.status) })
        try RawStatement(
            db,
            sql: """
                INSERT OR ROLLBACK INTO opt_outs
                    (id, source, idempotency_key, keys, identifiers, request_id, received_at, updated_at, reason,
                     status, suppressed_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            id, item.source, item.isInvalid ? nil : item.idempotencyKey, JSONWriter.arrayText(item.keys),
            // NULL reads back as the keys: most identifiers are sent as the keys they became.
            item.identifiers == item.keys ? nil : JSONWriter.arrayText(item.identifiers), item.requestId, receivedAt,
            now, item.reason, status.rawValue, item.suppressedBy)
        let insertRow = try Self.insertRowStatement(db)
        var records: [LeadRecord] = []
        records.reserveCapacity(rows.count)
        for row in rows {
            try insertRow.execute(
                id, row.kind.rawValue, row.lead.pearlId, row.lead.leadId, row.origin?.rawValue, row.status.rawValue,
                receivedAt, now)
            var record = LeadRecord(
                rowID: db.lastInsertedRowID, kind: row.kind, pearlId: row.lead.pearlId, leadId: row.lead.leadId,
                origin: row.origin, status: row.status, queuedAt: Timestamp.date(receivedAt))
            if let earlier = deletedBy[row.lead], row.kind == .delete {
                let attempt = Attempt(
                    at: Timestamp.date(now), outcome: "deleted_previously", detail: "deleted by \(earlier)")
                try Self.insertAttempt(attempt, row: record.rowID, db)
                record.attempts = [attempt]
            }
            records.append(record)
        }
        return OptOutRecord(
            id: id, source: item.source, idempotencyKey: item.isInvalid ? nil : item.idempotencyKey, keys: item.keys,
            identifiers: item.identifiers, requestId: item.requestId, receivedAt: Timestamp.date(receivedAt),
            updatedAt: Timestamp.date(now), reason: item.reason, status: status, suppressedBy: item.suppressedBy,
            leads: records)
    }
}
