import Foundation
import OptOutCore

/// The journal's record of one opt-out: where it came from, what it resolved to, and how far it got.
///
/// Its JSON form (``Codable``) uses camelCase keys and ISO-8601 UTC dates with milliseconds whatever
/// the encoder's date strategy, and leaves out absent optional fields:
/// `{"id":"op_01JD…","source":"hubspot","keys":["hubspot:1"],"receivedAt":"2024-11-29T01:53:07.123Z",…}`.
public struct OptOutRecord: Sendable, Codable, Hashable {
    /// `op_` followed by a 26-character ULID, so ids sort by creation time.
    public var id: String
    /// The sender's name, or `api` for `POST /v1/opt-outs`.
    public var source: String
    /// The sender's event id or the API's `Idempotency-Key`; unique per source.
    public var idempotencyKey: String?
    /// The contact keys the event carried (`email:…`, `hubspot:…`), normalised.
    public var keys: [String]
    /// The contact's identifiers as the sender sent them, including those that did not normalise.
    public var identifiers: [String]
    /// The `X-Request-Id` of the request that brought the opt-out.
    public var requestId: String?
    /// When the bridge received the opt-out.
    @ISO8601Date public var receivedAt: Date
    /// When the record last changed (creation, an outcome, a retry).
    @ISO8601Date public var updatedAt: Date
    /// Why the opt-out has no leads (`unmapped`), or why it is `invalid`.
    public var reason: String?
    /// The aggregate of the rows' statuses (``OptOutStatus/aggregate(_:)``); `suppressed` without leads.
    public var status: OptOutStatus
    /// For an opt-out of source `suppression`: the opt-out whose key it enforces.
    public var suppressedBy: String?
    /// The rows of work, in the order they were given: leads to delete, then phone numbers to blacklist.
    public var leads: [LeadRecord]

    /// The leads of this record that are still waiting for delivery, ready for the dispatcher.
    public var pendingLeads: [Journal.PendingLead] {
        leads.filter { $0.status == .pending }.map {
            Journal.PendingLead(
                leadRowID: $0.rowID, optOutID: id, kind: $0.kind, lead: Lead(pearlId: $0.pearlId, leadId: $0.leadId),
                attemptCount: $0.attemptCount, nextAttemptAt: $0.nextAttemptAt, receivedAt: receivedAt,
                queuedAt: $0.queuedAt)
        }
    }
}

extension OptOutRecord {
    private enum CodingKeys: String, CodingKey {
        case id, source, idempotencyKey, keys, identifiers, requestId, receivedAt, updatedAt, reason, status
        case suppressedBy, leads
    }

    // Decoded by hand for `identifiers`: exports written before identifiers were kept have none, and the keys
    // stand in for them. Encoding is synthesized.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decode(String.self, forKey: .id)
        source = try c.decode(String.self, forKey: .source)
        idempotencyKey = try c.decodeIfPresent(String.self, forKey: .idempotencyKey)
        keys = try c.decode([String].self, forKey: .keys)
        identifiers = try c.decodeIfPresent([String].self, forKey: .identifiers) ?? keys
        requestId = try c.decodeIfPresent(String.self, forKey: .requestId)
        _receivedAt = try c.decode(ISO8601Date.self, forKey: .receivedAt)
        _updatedAt = try c.decode(ISO8601Date.self, forKey: .updatedAt)
        reason = try c.decodeIfPresent(String.self, forKey: .reason)
        status = try c.decode(OptOutStatus.self, forKey: .status)
        suppressedBy = try c.decodeIfPresent(String.self, forKey: .suppressedBy)
        leads = try c.decode([LeadRecord].self, forKey: .leads)
    }
}
