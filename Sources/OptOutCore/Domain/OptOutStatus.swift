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
        var seen = Set<LeadStatus>()
        var deletes = false
        for row in rows {
            seen.insert(row.status)
            if row.kind == .delete { deletes = true }
        }
        if seen.contains(.pending) { return .queued }
        if seen.contains(.failed) { return .failed }
        if seen.contains(.rejected) { return .rejected }
        if seen.contains(.notDeleted) { return .notDeleted }
        if !seen.isEmpty, seen == [.dryRun] { return .dryRun }
        return deletes ? .deleted : .suppressed
    }

    /// ``aggregate(_:)-(Sequence<(kind:status:)>)`` for leads to delete alone.
    public static func aggregate(leads statuses: some Sequence<LeadStatus>) -> OptOutStatus {
        aggregate(statuses.lazy.map { (kind: ActionKind.delete, status: $0) })
    }
}
