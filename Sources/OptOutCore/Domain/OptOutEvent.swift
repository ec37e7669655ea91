import Foundation

/// One opt-out as a sender reported it: the contact's identifiers and the sender's own event id.
///
/// Sender decoders build these; the service resolves ``keys`` through the ``Mapping`` and uses ``eventId`` for
/// idempotency.
public struct OptOutEvent: Sendable, Hashable {
    /// Every identifier of the contact that the payload carried (CRM id, email, phone).
    public var keys: [ContactKey]
    /// The sender's id of this event, when it has one; a repeat within the retention period is a duplicate.
    public var eventId: String?
    /// When the sender says the opt-out happened.
    public var occurredAt: Date?

    /// Creates an event.
    public init(keys: [ContactKey], eventId: String? = nil, occurredAt: Date? = nil) {
        self.keys = keys
        self.eventId = eventId
        self.occurredAt = occurredAt
    }
}
