/// The status of one opt-out as a whole, as answered to senders and stored in the journal (SPEC §5).
public enum OptOutStatus: String, Sendable, Codable, Hashable, CaseIterable {
    /// Every lead was deleted.
    case deleted
    /// Accepted and journaled; the journal will finish the work.
    case queued
    /// Not an opt-out, or no lead mapped.
    case ignored
    /// NLPearl answered `false`.
    case notDeleted = "not_deleted"
    /// NLPearl answered 400.
    case rejected
    /// Dry run: everything but the DELETE call.
    case dryRun = "dry_run"
    /// Gave up after `delivery.retry.giveUpAfterHours`.
    case failed

    /// The status of an opt-out from the statuses of its leads.
    ///
    /// The most pressing status wins: any `pending` lead makes it `queued`; else any `failed`, `failed`; else any
    /// `rejected`, `rejected`; else any `not_deleted`, `not_deleted`; else `dry_run` when every lead is `dry_run`;
    /// else `deleted`. An opt-out without leads is `ignored`.
    public static func aggregate(_ leadStatuses: some Sequence<LeadStatus>) -> OptOutStatus {
        var seen = Set<LeadStatus>()
        for status in leadStatuses {
            seen.insert(status)
        }
        if seen.isEmpty { return .ignored }
        if seen.contains(.pending) { return .queued }
        if seen.contains(.failed) { return .failed }
        if seen.contains(.rejected) { return .rejected }
        if seen.contains(.notDeleted) { return .notDeleted }
        if seen == [.dryRun] { return .dryRun }
        return .deleted
    }
}
