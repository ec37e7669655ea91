import Foundation
import MicroHTTP
import OptOutCore
import SenderSchema

/// One CRM sender type: how it authenticates, what its payloads mean, and how it wants to be answered.
///
/// Each type is one file in `Types/`. `authenticate` and `decode` are pure functions of the request (method, raw
/// target, headers, raw body bytes) and the time, so they are tested and fuzzed without sockets. Signatures are
/// always checked over ``MicroHTTP/HTTPRequest/body`` exactly as received, never over a re-serialised body.
public protocol WebhookSender: Sendable {
    /// The `type` in the configuration, e.g. `hubspot`.
    static var type: String { get }

    /// The configured name: the path segment of `/hooks/{name}` and the namespace of this sender's CRM ids.
    var name: String { get }

    /// The keys of this type's configuration entry, besides `name` and `type`; the configuration reports any other.
    static var optionKeys: [SenderOptionKey] { get }

    /// Builds the sender from `options`, whose declared keys were checked: each value given is of its kind, and
    /// each required one is given, unless a problem was recorded.
    ///
    /// Records what else is wrong with ``SenderOptions/error(_:about:)``; a sender built from options with problems
    /// is thrown away by ``init(name:options:)``, so a required value that was not given may stand in empty.
    init(name: String, checked options: SenderOptions)

    /// Methods served at `/hooks/{name}`: `POST`, plus `GET`/`HEAD` where the sender validates its URL that way.
    var allowedMethods: [HTTPMethod] { get }

    /// The answer to a validation request (a `GET` the sender makes when the webhook is set up), if this type has
    /// one. Called after ``authenticate(_:now:)`` succeeded.
    func validationResponse(to request: HTTPRequest) -> HTTPResponse?

    /// Checks the request's signature, token or credentials.
    ///
    /// - Throws: ``WebhookError`` with code `unauthorized` (answered 401); the message never contains a secret.
    func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError)

    /// The payload's events, each decoded on its own: the opt-outs, the events that cannot be used, and how many
    /// are not opt-outs.
    ///
    /// An event that is malformed or names no usable contact is one of ``DecodedEvents/invalid`` and the rest are
    /// decoded; when no event is good, the endpoint answers ``DecodedEvents/refusal``. No opt-out and no invalid
    /// event is answered `ignored`.
    ///
    /// - Throws: ``WebhookError`` with code `badRequest` when the body as a whole is unusable: not JSON, XML or form
    ///   data, of the wrong top-level shape, or without the envelope the sender always sends.
    func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents

    /// The answer in this sender's dialect.
    func respond(_ answer: WebhookAnswer) -> HTTPResponse

    /// What a person needs to send `body` as this sender would: headers to add and the URL to post to.
    ///
    /// Used by `optout-bridge sign`, so a curl test can be signed by hand. `url` is where the request goes (the
    /// configured `publicURL` by default). Types that sign with the vendor's private key (SendGrid, GoHighLevel)
    /// need `privateKeyPEM`, the private half of a key pair whose public half is configured; others ignore it.
    func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError) -> SignedRequest
}

extension WebhookSender {
    /// Checks `options` against ``optionKeys`` and builds the sender; every problem of the entry is thrown at once.
    public init(name: String, options: SenderOptions) throws(SenderConfigurationError) {
        options.check(Self.optionKeys)
        self.init(name: name, checked: options)
        try options.finish()
    }

    /// The type and its keys, for the configuration.
    public static var schema: SenderSchema {
        SenderSchema(type: type, keys: optionKeys)
    }

    public var allowedMethods: [HTTPMethod] { [.post] }

    public func validationResponse(to request: HTTPRequest) -> HTTPResponse? { nil }

    public func respond(_ answer: WebhookAnswer) -> HTTPResponse {
        answer.jsonResponse()
    }
}

/// Headers and URL for a hand-made request.
public struct SignedRequest: Sendable, Equatable {
    public var url: String
    public var headers: [Header]

    public struct Header: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(url: String, headers: [Header]) {
        self.url = url
        self.headers = headers
    }
}
