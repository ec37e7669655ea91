/// Where the deletion of one lead stands.
public enum LeadStatus: String, Sendable, Codable, Hashable, CaseIterable {
    /// Not finished: waiting for a call slot or for a retry.
    case pending
    /// NLPearl answered 200 `true`.
    case deleted
    /// NLPearl answered 200 `false`.
    case notDeleted = "not_deleted"
    /// NLPearl answered 400 for this lead.
    case rejected
    /// Everything ran except the DELETE call.
    case dryRun = "dry_run"
    /// Gave up after `delivery.retry.giveUpAfterHours`.
    case failed

    /// Whether nothing more will happen to this lead.
    public var isFinal: Bool { self != .pending }
}
