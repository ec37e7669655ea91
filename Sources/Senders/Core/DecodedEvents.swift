import OptOutCore

/// What a webhook's payload holds, event by event: the opt-outs to journal, the events that could not be used, and
/// how many were not opt-outs.
///
/// One bad event must not sink its batch: SendGrid and HubSpot send hundreds of events per request and retry the
/// same batch, so refusing it whole would lose every good opt-out in it for good. Senders therefore decode each
/// event on its own, through ``init(batch:_:)`` or ``init(single:)``, and throw ``WebhookError`` only when the body
/// as a whole is unusable.
public struct DecodedEvents: Sendable {
    /// The good opt-out events, in payload order.
    public var events: [OptOutEvent]
    /// The events that could not be used, in payload order.
    public var invalid: [InvalidEvent]
    /// How many events are not opt-outs (answered `ignored` when nothing else is in the payload).
    public var ignored: Int

    /// How many reasons ``refusal`` names before it only counts the rest.
    static let reasonsNamed = 3

    /// Creates the results of a payload; `DecodedEvents()` is a payload without events.
    public init(events: [OptOutEvent] = [], invalid: [InvalidEvent] = [], ignored: Int = 0) {
        self.events = events
        self.invalid = invalid
        self.ignored = ignored
    }

    /// The result of a body that is one event: `decode` returns the opt-out, `nil` when it is not one, or throws
    /// why it cannot be used.
    public init(single decode: () throws(InvalidEvent) -> OptOutEvent?) {
        self.init()
        record(index: nil, decode)
    }

    /// The results of a batch, each element decoded on its own: `decode` gets the element's position and the
    /// element, and returns the opt-out, `nil` when the element is not one, or throws why it cannot be used.
    public init<Elements: Sequence>(
        batch elements: Elements, _ decode: (Int, Elements.Element) throws(InvalidEvent) -> OptOutEvent?
    ) {
        self.init()
        for (index, element) in elements.enumerated() {
            record(index: index) { () throws(InvalidEvent) in try decode(index, element) }
        }
    }

    /// The 400 that answers the request when it holds invalid events and no good one, naming the first reasons.
    ///
    /// `nil` when any event is good (the good ones are journaled and the request answered 2xx) or when there is no
    /// invalid event.
    public var refusal: WebhookError? {
        guard events.isEmpty, !invalid.isEmpty else { return nil }
        var message = invalid.prefix(Self.reasonsNamed).map(\.description).joined(separator: "; ")
        let unnamed = invalid.count - Self.reasonsNamed
        if unnamed > 0 { message += "; and \(unnamed) more invalid event\(unnamed == 1 ? "" : "s")" }
        return .badRequest(message)
    }

    /// Adds one event's outcome; an invalid one gets the position it has in its batch.
    private mutating func record(index: Int?, _ decode: () throws(InvalidEvent) -> OptOutEvent?) {
        do throws(InvalidEvent) {
            if let event = try decode() {
                events.append(event)
            } else {
                ignored += 1
            }
        } catch {
            var refused = error
            refused.index = index
            invalid.append(refused)
        }
    }
}
