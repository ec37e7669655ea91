/// The status of one opt-out as a whole, as answered to senders and stored in the journal (SPEC §5).
public enum OptOutStatus: String, Sendable, Codable, Hashable, CaseIterable {
    /// Every lead was deleted.
    case deleted
    /// Accepted and journaled; the journal will finish the work.
    case queued
    /// Not an opt-out (answered, not journaled).
    case ignored
    /// NLPearl answered `false`.
    case notDeleted = "not_deleted"
    /// NLPearl answered 400.
    case rejected
    /// Dry run: everything but the DELETE call.
    case dryRun = "dry_run"
    /// Gave up after `delivery.retry.giveUpAfterHours`.
    case failed
    /// No lead to delete: the keys are on the suppression list and its phones on NLPearl's blacklist (SPEC §9).
    case suppressed
    /// An event of a batch that could not be used (malformed, or naming no contact); journaled with the reason.
    case invalid

    /// The status of an opt-out from the kinds and statuses of its rows (leads to delete, phones to blacklist).
    ///
    /// The most pressing status wins: any `pending` row makes it `queued`; else any `failed`, `failed`; else any
    /// `rejected`, `rejected`; else any `not_deleted`, `not_deleted`; else `dry_run` when every row is `dry_run`.
    /// Otherwise every row is done: `deleted` when there was a lead to delete, `suppressed` when there was none
    /// (its phones, if any, are blacklisted). An opt-out without rows is `suppressed`: its keys are on the list.
    public static func aggregate(_ rows: some Sequence<(kind: ActionKind, status: LeadStatus)>) -> OptOutStatus {
        var pressing: OptOutStatus?
        var rank = Int.max
        var deletes = false
        var rowCount = 0
        var dryRuns = 0
        for row in rows {
            rowCount += 1
            if row.kind == .delete { deletes = true }
            if row.status == .dryRun { dryRuns += 1 }
            if let (status, statusRank) = pressure(row.status), statusRank < rank {
                (pressing, rank) = (status, statusRank)
            }
        }
        if let pressing { return pressing }
        if rowCount > 0, dryRuns == rowCount { return .dryRun }
        return deletes ? .deleted : .suppressed
    }

    /// What a row's status makes of the whole while it is there, and how pressing that is (lowest first); nil for a
    /// row that is done (deleted) or a dry run.
    private static func pressure(_ status: LeadStatus) -> (OptOutStatus, Int)? {
        switch status {
        case .pending: (.queued, 0)
        case .failed: (.failed, 1)
        case .rejected: (.rejected, 2)
        case .notDeleted: (.notDeleted, 3)
        case .deleted, .dryRun: nil
        }
    }

    /// ``aggregate(_:)-(Sequence<(kind:status:)>)`` for leads to delete alone.
    public static func aggregate(leads statuses: some Sequence<LeadStatus>) -> OptOutStatus {
        aggregate(statuses.lazy.map { (kind: ActionKind.delete, status: $0) })
    }
}
