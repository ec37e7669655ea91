import Foundation
import OptOutCore

/// One row of an opt-out's work as the journal knows it: a lead to delete or a phone number to blacklist, its
/// delivery status and every attempt made.
public struct LeadRecord: Sendable, Codable, Hashable {
    /// The journal's row id of this lead, the handle for ``Journal/recordOutcomes(_:)``.
    public var rowID: Int64
    /// A lead to delete, or a phone number to put on the account blacklist.
    public var kind: ActionKind = .delete
    /// NLPearl's outbound campaign id; empty for a blacklist row.
    public var pearlId: String
    /// NLPearl's lead id; for a blacklist row, the E.164 phone number; for a search row, the contact key searched.
    public var leadId: String
    /// How a lead to delete was found when neither the mapping nor the request named it.
    public var origin: LeadOrigin?
    /// Where delivery stands.
    public var status: LeadStatus
    /// How many delivery attempts were recorded.
    public var attemptCount: Int = 0
    /// When the dispatcher should try next, for a pending lead that was deferred.
    @OptionalISO8601Date public var nextAttemptAt: Date?
    /// When the current delivery effort began: the opt-out's arrival, or the last manual retry.
    ///
    /// The dispatcher's `giveUpAfterHours` counts from here, so that a retried lead gets a full window.
    @ISO8601Date public var queuedAt: Date
    /// A short description of the last failure, cleared once the lead is done.
    public var lastError: String?
    /// NLPearl's problem details (JSON text) for a lead it rejected with 400.
    public var problem: String?
    /// Every attempt, oldest first.
    public var attempts: [Journal.Attempt] = []

    /// The lead itself.
    public var lead: Lead { Lead(pearlId: pearlId, leadId: leadId) }
}

extension LeadRecord {
    private enum CodingKeys: String, CodingKey {
        case rowID = "rowId", kind, pearlId, leadId, origin, status, attemptCount, nextAttemptAt, queuedAt, lastError,
            problem
        case attempts
    }

    // Decoded by hand for `kind`: exports written before rows had kinds hold deletes only. Encoding is synthesized.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        rowID = try c.decode(Int64.self, forKey: .rowID)
        kind = try c.decodeIfPresent(ActionKind.self, forKey: .kind) ?? .delete
        pearlId = try c.decode(String.self, forKey: .pearlId)
        leadId = try c.decode(String.self, forKey: .leadId)
        origin = try c.decodeIfPresent(LeadOrigin.self, forKey: .origin)
        status = try c.decode(LeadStatus.self, forKey: .status)
        attemptCount = try c.decode(Int.self, forKey: .attemptCount)
        _nextAttemptAt = try c.decode(OptionalISO8601Date.self, forKey: .nextAttemptAt)
        _queuedAt = try c.decode(ISO8601Date.self, forKey: .queuedAt)
        lastError = try c.decodeIfPresent(String.self, forKey: .lastError)
        problem = try c.decodeIfPresent(String.self, forKey: .problem)
        attempts = try c.decode([Journal.Attempt].self, forKey: .attempts)
    }
}
