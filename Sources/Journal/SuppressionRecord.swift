import Foundation
import OptOutCore

/// One key of the suppression list (SPEC §9): a contact who said stop, remembered for good.
///
/// Its JSON form uses camelCase keys and ISO-8601 UTC dates, like ``OptOutRecord``.
public struct SuppressionRecord: Sendable, Codable, Hashable {
    /// The normalised key, such as `phone:+15551234567`.
    public var key: String
    /// The identifiers as the senders sent them, every distinct form seen with this key (for a journal written
    /// before the list existed, the normalised keys it had kept).
    public var identifiers: [String]
    /// The source (sender name, `api`, `import`) of the first opt-out that named the key.
    public var firstSource: String
    /// The first opt-out that named the key, and when it arrived.
    public var firstOptOutId: String
    @ISO8601Date public var firstAt: Date
    /// The latest opt-out that named the key, its source, and when it arrived.
    public var latestSource: String
    public var latestOptOutId: String
    @ISO8601Date public var latestAt: Date
    /// How many opt-outs named the key.
    public var optOutCount: Int
    /// For a phone number: where its entry on NLPearl's account blacklist stands; nil for other keys, or while
    /// `suppression.blacklistPhones` is off.
    public var blacklist: BlacklistState?
    /// When ``blacklist`` last changed.
    @OptionalISO8601Date public var blacklistUpdatedAt: Date?
}

/// Where a suppressed phone number stands on NLPearl's account blacklist.
public enum BlacklistState: String, Sendable, Codable, Hashable, CaseIterable {
    /// A row of some opt-out is on its way to `POST /v2/Account/Blacklist`.
    case pending
    /// NLPearl answered `true`: no campaign will call the number.
    case blacklisted
    /// NLPearl answered `false`.
    case notBlacklisted = "not_blacklisted"
    /// NLPearl answered 400 for this number.
    case rejected
    /// Gave up after `giveUpAfterHours`; `journal retry` tries again.
    case failed
    /// Journaled in dry-run mode: nothing was sent. The next start without dry-run sends it.
    case dryRun = "dry_run"

    /// The state a blacklist row's status leaves the number in.
    public init(_ status: LeadStatus) {
        switch status {
        case .pending: self = .pending
        case .deleted: self = .blacklisted
        case .notDeleted: self = .notBlacklisted
        case .rejected: self = .rejected
        case .failed: self = .failed
        case .dryRun: self = .dryRun
        }
    }
}
