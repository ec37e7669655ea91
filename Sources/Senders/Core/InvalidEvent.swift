import OptOutCore

/// An event of a webhook that could not be used: malformed, or naming no usable contact.
///
/// The other events of its batch are used all the same (SPEC §6: the good ones journaled, the bad ones recorded as
/// `invalid` with the reason). A decoder of one event throws it, without ``index``; ``DecodedEvents`` records it
/// with the event's position in its batch.
public struct InvalidEvent: Error, Sendable, Hashable, CustomStringConvertible {
    /// The event's position in its batch, from 0; `nil` for a body that is one event.
    public var index: Int?
    /// The sender's id of the event, when it could be read.
    public var eventId: String?
    /// Why the event could not be used, fit to show the sender and the log (never a secret).
    public var reason: String
    /// The identifiers of the contact that the event did carry, as sent.
    public var identifiers: [SentIdentifier]

    /// Creates an invalid event.
    public init(index: Int? = nil, eventId: String? = nil, reason: String, identifiers: [SentIdentifier] = []) {
        self.index = index
        self.eventId = eventId
        self.reason = reason
        self.identifiers = identifiers
    }

    /// The reason, after the event's position when it has one: `event 3: the opt-out names no contact: …`.
    public var description: String {
        index.map { "event \($0): \(reason)" } ?? reason
    }
}
