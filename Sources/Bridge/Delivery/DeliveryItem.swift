import Foundation
import OptOutCore

/// One journaled lead on its way to NLPearl.
public struct DeliveryItem: Sendable, Hashable {
    /// The lead's row in the journal: the identity of this piece of work.
    public var rowID: Int64
    public var optOutID: String
    /// A lead to delete, a phone number (``lead``'s `leadId`, with an empty `pearlId`) to blacklist, or a contact
    /// key (``lead``'s `leadId`) to search for in a campaign.
    public var kind: ActionKind = .delete
    public var lead: Lead
    /// Attempts made so far.
    public var attemptCount: Int = 0
    /// When the current delivery effort began (arrival, or the last `journal retry`); retries stop `giveUpAfter` later.
    public var queuedAt: Date
    /// Not to be sent before this (a retry's backoff).
    public var notBefore: ContinuousClock.Instant?

    /// The queue it waits in: its kind and campaign.
    var lane: DeliveryLane { DeliveryLane(kind: kind, pearlId: lead.pearlId) }
}

/// What became of one lead after an attempt, as a waiting request needs to know it.
public enum DeliveryResult: Sendable, Equatable {
    case deleted
    /// NLPearl answered `false` for this lead alone.
    case notDeleted
    /// NLPearl answered 400 for this lead alone; the problem as NLPearl sent it.
    case rejected
    /// The attempt failed in a way worth retrying; the journal keeps the lead and delivery goes on.
    case retrying
    /// Given up after `giveUpAfterHours`.
    case failed
    /// A search row finished; the leads it found, if any, are rows of their own, and a waiting request waits for
    /// them too.
    case searched
}
