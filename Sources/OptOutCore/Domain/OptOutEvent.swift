import Foundation

/// One opt-out as a sender reported it: the contact's identifiers and the sender's own event id.
///
/// Sender decoders build these; the service resolves ``keys`` through the ``Mapping`` and uses ``eventId`` for
/// idempotency. ``identifiers`` keeps what the sender sent before normalisation, including the values that did not
/// become keys.
public struct OptOutEvent: Sendable, Hashable {
    /// Every identifier of the contact that the payload carried (CRM id, email, phone).
    public var keys: [ContactKey]
    /// The sender's id of this event, when it has one; a repeat within the retention period is a duplicate.
    public var eventId: String?
    /// When the sender says the opt-out happened.
    public var occurredAt: Date?
    /// Every identifier of the contact that the payload offered, exactly as sent, whether or not it became a key.
    public var identifiers: [SentIdentifier]

    /// Creates an event.
    public init(
        keys: [ContactKey], eventId: String? = nil, occurredAt: Date? = nil, identifiers: [SentIdentifier] = []
    ) {
        self.keys = keys
        self.eventId = eventId
        self.occurredAt = occurredAt
        self.identifiers = identifiers
    }
}
