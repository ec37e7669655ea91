import Foundation
import GRDB
import OptOutCore

extension Journal {
    /// One delivery attempt of one lead, as the audit trail shows it.
    public struct Attempt: Sendable, Codable, Hashable {
        /// When the attempt finished.
        @ISO8601Date public var at: Date
        /// A short outcome word, such as `deleted`, `not_deleted`, `rejected`, `rate_limited`,
        /// `unavailable`, `timeout`, `unauthorized`, `dry_run`, `gave_up`, `requeued`.
        public var outcome: String
        /// NLPearl's HTTP status, when there was an answer.
        public var httpStatus: Int?
        /// More detail, such as an error description (never a secret).
        public var detail: String?

        /// Creates an attempt.
        public init(at: Date, outcome: String, httpStatus: Int? = nil, detail: String? = nil) {
            self.at = at
            self.outcome = outcome
            self.httpStatus = httpStatus
            self.detail = detail
        }

        /// The attempt that `leads.deleted_at` records: NLPearl deleted the lead and said no more.
        static func plainDeletion(at: Date) -> Attempt { Attempt(at: at, outcome: "deleted", httpStatus: 200) }

        /// Whether this is a ``plainDeletion(at:)``, which `leads.deleted_at` alone records.
        var isPlainDeletion: Bool { self == .plainDeletion(at: at) }
    }

    /// What happened to one lead in one attempt, and where that leaves it.
    public struct LeadOutcome: Sendable, Hashable {
        /// The lead's ``LeadRecord/rowID`` (``PendingLead/leadRowID``).
        public var leadRowID: Int64
        /// The attempt to add to the audit trail.
        public var attempt: Attempt
        /// The lead's new status: `pending` to try again at ``nextAttemptAt``, or a final one.
        public var newStatus: LeadStatus
        /// When to try again, for a lead left `pending`.
        public var nextAttemptAt: Date?
        /// NLPearl's problem details as JSON text, for a lead it rejected with 400.
        public var problem: String?

        /// Creates an outcome.
        public init(
            leadRowID: Int64, attempt: Attempt, newStatus: LeadStatus, nextAttemptAt: Date? = nil,
            problem: String? = nil
        ) {
            self.leadRowID = leadRowID
            self.attempt = attempt
            self.newStatus = newStatus
            self.nextAttemptAt = nextAttemptAt
            self.problem = problem
        }
    }

    /// Records attempts and their effect on the leads, group-committed like appends.
    ///
    /// It returns once committed, without waiting for the fsync of the WAL (see ``GroupCommitWriter``): a power
    /// loss may forget the latest outcomes, and their leads are then delivered again, which NLPearl's delete
    /// makes harmless. A crash of the process loses nothing.
    ///
    /// For each outcome: adds the attempt row, bumps `attempt_count`, sets the status, `next_attempt_at`,
    /// `problem` and `last_error` (the attempt's detail, or its outcome word, unless the lead is now
    /// `deleted` or `dry_run`), then refreshes the status and `updated_at` of the opt-outs concerned.
    /// A plain deletion (``Attempt/isPlainDeletion``) is recorded as the lead's `deleted_at` instead of an attempt
    /// row: it is the lead's last attempt, and the readers give it back as such (``JournalSchema``).
    /// An outcome for a lead that no longer exists is skipped.
    ///
    /// - Throws: ``JournalError`` when the transaction failed; then nothing was recorded.
    public func recordOutcomes(_ outcomes: [LeadOutcome]) async throws {
        try await queueOutcomes(outcomes).wait()
    }

    /// ``recordOutcomes(_:)`` queued for the next group transaction, returning at once with the ``Completion`` of its
    /// commit: for the dispatcher, which tells waiting requests of their deleted leads while the outcomes are
    /// committed. A read through ``record(id:)`` after this returns shows them.
    ///
    /// - Returns: the commit to await; it throws ``JournalError`` when the transaction failed, and then nothing was
    ///   recorded.
    public func queueOutcomes(_ outcomes: [LeadOutcome]) -> Completion {
        guard !outcomes.isEmpty else { return .reached }
        return writer.queue { db in try Self.apply(outcomes, db) }
    }

    private static func apply(_ outcomes: [LeadOutcome], _ db: Database) throws {
        let now = Timestamp.milliseconds(Date())
        // The row is read first and then updated, rather than updated `RETURNING` what it holds: SQLite gathers a
        // `RETURNING` statement's rows in a table of their own first, which costs about as much again as the update.
        let readLead = try RawStatement(db, sql: "SELECT opt_out_id, kind, lead_id FROM leads WHERE id = ?")
        let updateLead = try RawStatement(
            db,
            sql: """
                UPDATE OR ROLLBACK leads SET status = ?, attempt_count = attempt_count + 1, next_attempt_at = ?,
                    last_error = ?, problem = ?, updated_at = ?, deleted_at = ?
                WHERE id = ?
                """)
        var touched: [String] = []
        var seen = Set<String>()
        for outcome in outcomes {
            guard
                let (optOutID, kind, leadId) = try readLead.fetchOne(
                    outcome.leadRowID, read: { ($0.text(0) ?? "", $0.text(1), $0.text(2) ?? "") })
            else { continue }
            let finished = outcome.newStatus == .deleted || outcome.newStatus == .dryRun
            let lastError = finished ? nil : (outcome.attempt.detail ?? outcome.attempt.outcome)
            let plainDeletion = outcome.newStatus == .deleted && outcome.attempt.isPlainDeletion
            try updateLead.execute(
                outcome.newStatus.rawValue, outcome.nextAttemptAt.map(Timestamp.milliseconds), lastError,
                outcome.problem, now, plainDeletion ? Timestamp.milliseconds(outcome.attempt.at) : nil,
                outcome.leadRowID)
            if kind == ActionKind.blacklist.rawValue, outcome.newStatus.isFinal {
                try recordBlacklist(phone: leadId, status: outcome.newStatus, at: now, db)
            }
            if !plainDeletion {
                try insertAttempt(outcome.attempt, row: outcome.leadRowID, db)
            }
            if seen.insert(optOutID).inserted { touched.append(optOutID) }
        }
        try refreshStatus(of: touched, now: now, db)
    }

    /// Adds an attempt to a lead's audit trail.
    static func insertAttempt(_ attempt: Attempt, row: Int64, _ db: Database) throws {
        try RawStatement(
            db,
            sql: """
                INSERT OR ROLLBACK INTO attempts (lead_row_id, at, outcome, http_status, detail)
                VALUES (?, ?, ?, ?, ?)
                """
        ).execute(row, Timestamp.milliseconds(attempt.at), attempt.outcome, attempt.httpStatus, attempt.detail)
    }

    /// Recomputes the stored aggregate status of these opt-outs from their rows.
    static func refreshStatus(of optOutIDs: [String], now: Int64, _ db: Database) throws {
        let rowStatuses = try RawStatement(db, sql: "SELECT kind, status FROM leads WHERE opt_out_id = ?")
        let update = try RawStatement(
            db, sql: "UPDATE OR ROLLBACK opt_outs SET status = ?, updated_at = ? WHERE id = ?")
        for id in optOutIDs {
            var rows: [(kind: ActionKind, status: LeadStatus)] = []
            try rowStatuses.forEachRow(id) { row in
                rows.append(
                    (
                        kind: try RecordReader.status(row.text(0) ?? "", ActionKind.self),
                        status: try RecordReader.status(row.text(1) ?? "", LeadStatus.self)
                    ))
            }
            try update.execute(OptOutStatus.aggregate(rows).rawValue, now, id)
        }
    }
}
