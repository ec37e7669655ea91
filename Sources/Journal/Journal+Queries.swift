import Foundation
import GRDB
import OptOutCore

extension Journal {
    /// A lead waiting for delivery, as the dispatcher needs it.
    public struct PendingLead: Sendable, Hashable {
        /// The handle for ``LeadOutcome/leadRowID``.
        public var leadRowID: Int64
        /// The opt-out this lead belongs to.
        public var optOutID: String
        /// A lead to delete, or a phone number (``lead``'s `leadId`) to blacklist.
        public var kind: ActionKind
        /// The lead to delete; for a blacklist row, an empty `pearlId` and the number as `leadId`.
        public var lead: Lead
        /// Attempts made so far.
        public var attemptCount: Int
        /// Not before this time, when an earlier attempt was deferred; nil to go now.
        public var nextAttemptAt: Date?
        /// When the opt-out arrived.
        public var receivedAt: Date
        /// When the current delivery effort began (arrival, or the last manual retry): the start of the
        /// `giveUpAfterHours` window.
        public var queuedAt: Date

        /// Creates a pending lead.
        public init(
            leadRowID: Int64, optOutID: String, kind: ActionKind = .delete, lead: Lead, attemptCount: Int,
            nextAttemptAt: Date?, receivedAt: Date, queuedAt: Date
        ) {
            self.leadRowID = leadRowID
            self.optOutID = optOutID
            self.kind = kind
            self.lead = lead
            self.attemptCount = attemptCount
            self.nextAttemptAt = nextAttemptAt
            self.receivedAt = receivedAt
            self.queuedAt = queuedAt
        }
    }

    /// Every lead in status `pending`, oldest first: the work to resume after a start.
    public func pendingLeads() throws -> [PendingLead] {
        try pool.read(Self.pendingLeads)
    }

    /// ``pendingLeads()`` from async code: GRDB reads on its own queue, so no thread of Swift's cooperative pool
    /// (one per core, shared with every request) blocks on SQLite meanwhile.
    public func pendingLeads() async throws -> [PendingLead] {
        try await pool.read(Self.pendingLeads)
    }

    /// The opt-out whose row deleted this lead (a blacklist row's number: blacklisted it), also before that opt-out
    /// was pruned; nil when no row did.
    ///
    /// For the dispatcher, when NLPearl answers `false` for the lead: it no longer has a lead that another row
    /// deleted, so that row's deletion is the truth of this one too.
    public func optOutThatDeleted(_ lead: Lead) async throws -> String? {
        try await pool.read { db in try Self.deletedBefore([lead], db)[lead] }
    }

    /// The record of one opt-out with its leads and attempts, or nil if there is none.
    public func record(id: String) throws -> OptOutRecord? {
        try pool.read { db in try RecordReader.record(id: id, db) }
    }

    /// ``record(id:)`` from async code, without blocking a thread of the cooperative pool, read after every write
    /// queued before it was committed (``readAfterQueuedWrites(_:)``): `GET` of an opt-out just answered, and the
    /// answer's own read-back, show what the answer said.
    public func record(id: String) async throws -> OptOutRecord? {
        try await readAfterQueuedWrites { db in try RecordReader.record(id: id, db) }
    }

    /// Opt-outs, newest first.
    ///
    /// - Parameters:
    ///   - status: Only opt-outs whose aggregate status is this one.
    ///   - since: Only opt-outs received at or after this time.
    ///   - limit: At most this many.
    public func list(status: OptOutStatus? = nil, since: Date? = nil, limit: Int = 100) throws -> [OptOutRecord] {
        guard limit > 0 else { return [] }
        let (sql, arguments) = Self.listSelect(status: status, since: since, limit: limit)
        return try pool.read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
            return try rows.map { try RecordReader.record(from: $0, db) }
        }
    }

    /// The query of ``list(status:since:limit:)``, and its arguments.
    ///
    /// Deleted opt-outs, nearly all of them, are in no status index: they are read through `opt_outs_received`,
    /// newest first, until `limit` are found. Every other status through `opt_outs_status`, whose term the query
    /// repeats (``JournalSchema/notDeleted``).
    static func listSelect(status: OptOutStatus?, since: Date?, limit: Int) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if status == .deleted {
            conditions.append("status = 'deleted'")
        } else if let status {
            conditions.append("status = ? AND \(JournalSchema.notDeleted)")
            arguments += [status.rawValue]
        }
        if let since {
            conditions.append("received_at >= ?")
            arguments += [Timestamp.milliseconds(since)]
        }
        arguments += [limit]
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return (
            "SELECT \(RecordReader.optOutColumns) FROM opt_outs \(filter) ORDER BY received_at DESC, id DESC LIMIT ?",
            arguments
        )
    }

    /// The numbers of leads pending and failed, for the journal gauges.
    public func counts() throws -> (pending: Int, failed: Int) {
        try pool.read(Self.counts)
    }

    /// ``counts()`` from async code, without blocking a thread of the cooperative pool, read after every write queued
    /// before it was committed (``readAfterQueuedWrites(_:)``).
    public func counts() async throws -> (pending: Int, failed: Int) {
        try await readAfterQueuedWrites(Self.counts)
    }

    /// Every pending lead with its opt-out, oldest first, through the partial index `leads_status`.
    static let pendingLeadsSelect = """
        SELECT \(pendingLeadColumns)
        FROM leads l JOIN opt_outs o ON o.id = l.opt_out_id
        WHERE l.status = 'pending' AND l.\(JournalSchema.notDeleted) ORDER BY l.id
        """

    /// How many leads are pending and how many failed, through the partial index `leads_status`.
    static let countsSelect = """
        SELECT status, COUNT(*) FROM leads WHERE status IN ('pending', 'failed') AND \(JournalSchema.notDeleted)
        GROUP BY status
        """

    private static func pendingLeads(_ db: Database) throws -> [PendingLead] {
        let statement = try db.cachedStatement(sql: pendingLeadsSelect)
        var result: [PendingLead] = []
        let rows = try Row.fetchCursor(statement)
        while let row = try rows.next() {
            result.append(pendingLead(row))
        }
        return result
    }

    private static func counts(_ db: Database) throws -> (pending: Int, failed: Int) {
        let rows = try Row.fetchAll(db.cachedStatement(sql: countsSelect))
        var pending = 0
        var failed = 0
        for row in rows {
            let status: String = row[0]
            if status == LeadStatus.pending.rawValue { pending = row[1] } else { failed = row[1] }
        }
        return (pending, failed)
    }

    /// The columns of ``pendingLead(_:)``, of `leads l JOIN opt_outs o`.
    static let pendingLeadColumns = """
        l.id, l.opt_out_id, l.pearl_id, l.lead_id, l.attempt_count, l.next_attempt_at, o.received_at, l.queued_at,
        l.kind
        """

    /// A pending lead from a row of ``pendingLeadColumns``.
    static func pendingLead(_ row: Row) -> PendingLead {
        let nextAttemptAt: Int64? = row[5]
        let kind: String = row[8]
        return PendingLead(
            leadRowID: row[0], optOutID: row[1], kind: ActionKind(rawValue: kind) ?? .delete,
            lead: Lead(pearlId: row[2], leadId: row[3]),
            attemptCount: row[4], nextAttemptAt: nextAttemptAt.map(Timestamp.date),
            receivedAt: Timestamp.date(row[6]), queuedAt: Timestamp.date(row[7]))
    }
}
