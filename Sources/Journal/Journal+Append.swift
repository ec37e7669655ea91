import Foundation
import GRDB
import OptOutCore

extension Journal {
    /// An opt-out to append: what arrived and what it resolved to.
    public struct NewOptOut: Sendable, Hashable {
        /// The sender's name, or `api`.
        public var source: String
        /// The sender's event id or the `Idempotency-Key`; nil when the request has none (no dedupe).
        public var idempotencyKey: String?
        /// The contact keys the event carried.
        public var keys: [String]
        /// The leads to delete; may be empty (the opt-out is then kept, as `ignored`, for the audit).
        public var leads: [Lead]
        /// The status the leads start in: `pending` for real work, `dryRun` in dry-run mode.
        public var initialStatus: LeadStatus
        /// Why there are no leads (`unmapped`, `not an opt-out`), for the audit.
        public var reason: String?
        /// The request's `X-Request-Id`.
        public var requestId: String?
        /// When the request arrived.
        public var receivedAt: Date

        /// Creates an opt-out to append.
        public init(
            source: String, idempotencyKey: String? = nil, keys: [String] = [], leads: [Lead],
            initialStatus: LeadStatus = .pending, reason: String? = nil, requestId: String? = nil,
            receivedAt: Date = Date()
        ) {
            self.source = source
            self.idempotencyKey = idempotencyKey
            self.keys = keys
            self.leads = leads
            self.initialStatus = initialStatus
            self.reason = reason
            self.requestId = requestId
            self.receivedAt = receivedAt
        }
    }

    /// What ``append(_:)`` did with one opt-out.
    public enum AppendResult: Sendable, Hashable {
        /// Newly journaled; its pending leads are the dispatcher's work (``OptOutRecord/pendingLeads``).
        case created(OptOutRecord)
        /// The same `(source, idempotencyKey)` is already journaled: this is that first record, as it
        /// stands now, and nothing was written.
        case duplicate(OptOutRecord)

        /// The record, new or first.
        public var record: OptOutRecord {
            switch self {
            case .created(let record), .duplicate(let record): record
            }
        }

        /// Whether this was a duplicate delivery.
        public var isDuplicate: Bool {
            if case .duplicate = self { return true }
            return false
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
            if let key = item.idempotencyKey,
                let existing = try RecordReader.record(source: item.source, idempotencyKey: key, db)
            {
                results.append(.duplicate(existing))
                continue
            }
            results.append(.created(try insert(item, now: now, db)))
        }
        return results
    }

    private func insert(_ item: NewOptOut, now: Int64, _ db: Database) throws -> OptOutRecord {
        let id = "op_" + ids.next(milliseconds: now)
        let receivedAt = Timestamp.milliseconds(item.receivedAt)
        var seen = Set<Lead>()
        let leads = item.leads.filter { seen.insert($0).inserted }
        let status = OptOutStatus.aggregate(leads.lazy.map { _ in item.initialStatus })
        try db.cachedStatement(
            sql: """
                INSERT INTO opt_outs
                    (id, source, idempotency_key, keys, request_id, received_at, updated_at, reason, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            id, item.source, item.idempotencyKey, JSONText.array(item.keys), item.requestId, receivedAt, now,
            item.reason, status.rawValue,
        ])
        let insertLead = try db.cachedStatement(
            sql: """
                INSERT INTO leads (opt_out_id, pearl_id, lead_id, status, queued_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """)
        var records: [LeadRecord] = []
        records.reserveCapacity(leads.count)
        for lead in leads {
            try insertLead.execute(arguments: [
                id, lead.pearlId, lead.leadId, item.initialStatus.rawValue, receivedAt, now,
            ])
            records.append(
                LeadRecord(
                    rowID: db.lastInsertedRowID, pearlId: lead.pearlId, leadId: lead.leadId,
                    status: item.initialStatus, queuedAt: Timestamp.date(receivedAt)))
        }
        return OptOutRecord(
            id: id, source: item.source, idempotencyKey: item.idempotencyKey, keys: item.keys,
            requestId: item.requestId, receivedAt: Timestamp.date(receivedAt), updatedAt: Timestamp.date(now),
            reason: item.reason, status: status, leads: records)
    }
}
