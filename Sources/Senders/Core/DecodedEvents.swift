import OptOutCore

/// What a webhook's payload holds, event by event: the opt-outs to journal, the events that could not be used, and
/// how many were not opt-outs.
///
/// One bad event must not sink its batch: SendGrid and HubSpot send hundreds of events per request and retry the
/// same batch, so refusing it whole would lose every good opt-out in it for good. Senders therefore decode each
/// event on its own, through ``init(batch:signedBody:_:)`` or ``init(signedBody:single:)``, and throw
/// ``WebhookError`` only when the body as a whole is unusable.
///
/// An event without an id of its own (a HubSpot workflow webhook, say) could be replayed at once, and a resend would
/// be journaled again. A sender whose signature covers the body therefore passes it as `signedBody`: each event
/// decoded without an id is named by the body's digest (``bodyDigest(_:)``), with `#` and its index in a batch, so
/// that the same signed body sent again is a duplicate. A sender that signs nothing of the body passes none: anyone
/// who holds its token may send any body, so the digest would prove nothing.
public struct DecodedEvents: Sendable {
    /// The good opt-out events, in payload order.
    public var events: [OptOutEvent]
    /// The events that could not be used, in payload order.
    public var invalid: [InvalidEvent]
    /// How many events are not opt-outs (answered `ignored` when nothing else is in the payload).
    public var ignored: Int

    /// How many reasons ``refusal`` names before it only counts the rest.
    static let reasonsNamed = 3

    /// What event ids made from a body's digest start with.
    public static let bodyDigestPrefix = "body-sha256:"

    /// Creates the results of a payload; `DecodedEvents()` is a payload without events.
    public init(events: [OptOutEvent] = [], invalid: [InvalidEvent] = [], ignored: Int = 0) {
        self.events = events
        self.invalid = invalid
        self.ignored = ignored
    }

    /// The result of a body that is one event: `decode` returns the opt-out, `nil` when it is not one, or throws
    /// why it cannot be used.
    ///
    /// - Parameters:
    ///   - signedBody: the bytes the sender's signature covers, when it signs the body; an opt-out decoded without
    ///     an event id is then named by their ``bodyDigest(_:)``.
    ///   - decode: decodes the body's event.
    public init(signedBody: [UInt8]? = nil, single decode: () throws(InvalidEvent) -> OptOutEvent?) {
        self.init()
        record(index: nil, unnamed: signedBody.map(Self.bodyDigest), decode)
    }

    /// The results of a batch, each element decoded on its own: `decode` gets the element's position and the
    /// element, and returns the opt-out, `nil` when the element is not one, or throws why it cannot be used.
    ///
    /// - Parameters:
    ///   - elements: the batch's events, undecoded.
    ///   - signedBody: the bytes the sender's signature covers, when it signs the body; an opt-out decoded without
    ///     an event id is then named by their ``bodyDigest(_:)``, `#` and its index.
    ///   - decode: decodes one element.
    public init<Elements: Sequence>(
        batch elements: Elements, signedBody: [UInt8]? = nil,
        _ decode: (Int, Elements.Element) throws(InvalidEvent) -> OptOutEvent?
    ) {
        self.init()
        let digest = signedBody.map(Self.bodyDigest)
        for (index, element) in elements.enumerated() {
            record(index: index, unnamed: digest) { () throws(InvalidEvent) in try decode(index, element) }
        }
    }

    /// `body-sha256:` and the hex SHA-256 of `body`: the id of an event that came without one in a signed body.
    public static func bodyDigest(_ body: [UInt8]) -> String {
        bodyDigestPrefix + Signatures.hex(Signatures.sha256(body))
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

    /// Adds one event's outcome; an invalid one gets the position it has in its batch, and an opt-out without an
    /// event id is named after `digest` (and its position), when the body is signed.
    private mutating func record(
        index: Int?, unnamed digest: String?, _ decode: () throws(InvalidEvent) -> OptOutEvent?
    ) {
        do throws(InvalidEvent) {
            if var event = try decode() {
                if event.eventId == nil, let digest {
                    event.eventId = index.map { "\(digest)#\($0)" } ?? digest
                }
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
