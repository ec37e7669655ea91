import Foundation
import MicroHTTP
import OptOutCore
import SenderSchema

/// Twilio inbound SMS: a form-encoded message, an opt-out when it is a STOP keyword.
///
/// `X-Twilio-Signature` is base64 HMAC-SHA1 of the auth token over the URL Twilio called followed by each POST
/// parameter's name and value, sorted by name (then value). The URL is the configured `publicURL` plus the request's
/// raw query, since a proxy in front may change host and scheme; as Twilio's own validators do, the URL is also
/// tried with the scheme's default port added or removed, because Twilio may sign either form.
///
/// With Advanced Opt-Out, Twilio classifies the message itself and sends `OptOutType`; `STOP` is an opt-out and
/// `START`/`HELP` are not. Without it, the body alone decides: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END or QUIT in
/// any case, surrounding whitespace ignored. The contact is `From`; the event id is `MessageSid` (`SmsSid` in
/// older requests), which Twilio keeps when it retries; without either, the
/// ``DecodedEvents/bodyDigest(_:)`` of the parameters as signed, since a reordered body keeps its signature.
///
/// Twilio wants TwiML back: an empty `<Response>` (which sends no reply SMS) answers every journaled message.
public struct TwilioSender: WebhookSender {
    public static let type = "twilio"

    /// The standard English opt-out keywords Twilio honours.
    static let stopKeywords: Set<String> = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"]

    public let name: String
    private let authToken: Secret
    private let publicURL: String
    private let defaultCountryCode: String?

    public static let optionKeys: [SenderOptionKey] = [.secret("authToken"), PublicURL.key]

    public init(name: String, checked options: SenderOptions) {
        self.name = name
        self.authToken = options.requiredSecret("authToken")
        self.publicURL = PublicURL.read(options, sender: name, whose: "configured in Twilio")
        self.defaultCountryCode = options.defaultCountryCode
    }

    // MARK: Authentication

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        let header = try WebhookPayload.header("X-Twilio-Signature", of: request)
        guard let given = Signatures.unbase64(header.trimmingCharacters(in: .whitespaces)) else {
            throw .unauthorized("X-Twilio-Signature is not base64")
        }
        let url = PublicURL.signed(publicURL, query: request.query)
        let parameters = Self.signedParameters(request.body)
        var matched = false
        for candidate in Self.portVariants(of: url) {
            let expected = Signatures.hmacSHA1(key: Array(authToken.reveal().utf8), Array(candidate.utf8), parameters)
            if Signatures.constantTimeEqual(given, expected) { matched = true }
        }
        guard matched else {
            throw .unauthorized(
                "X-Twilio-Signature does not match; check the auth token and that publicURL is the URL Twilio calls")
        }
    }

    /// The POST parameters as Twilio signs them: decoded, sorted by name and then value (as bytes, which is code
    /// point order), each name followed by its value.
    static func signedParameters(_ body: [UInt8]) -> [UInt8] {
        let pairs = FormDecoding.pairs(String(decoding: body, as: UTF8.self))
            .map { (name: Array($0.name.utf8), value: Array($0.value.utf8)) }
            .sorted { a, b in
                a.name == b.name ? a.value.lexicographicallyPrecedes(b.value) : a.name.lexicographicallyPrecedes(b.name)
            }
        var out: [UInt8] = []
        out.reserveCapacity(body.count)
        var previous: (name: [UInt8], value: [UInt8])?
        for pair in pairs {
            // Twilio's validators sign each distinct name and value once.
            if let previous, previous.name == pair.name, previous.value == pair.value { continue }
            out += pair.name
            out += pair.value
            previous = pair
        }
        return out
    }

    /// `url` as configured, and with the scheme's default port added (or removed, when it is given).
    static func portVariants(of url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://")?.upperBound else { return [url] }
        let defaultPort = url.hasPrefix("https://") ? "443" : "80"
        let authorityEnd = url[schemeEnd...].firstIndex { $0 == "/" || $0 == "?" } ?? url.endIndex
        let authority = url[schemeEnd..<authorityEnd]
        let head = String(url[..<schemeEnd])
        let tail = String(url[authorityEnd...])
        if authority.hasSuffix(":" + defaultPort) {
            return [url, head + authority.dropLast(defaultPort.count + 1) + tail]
        }
        if authority.contains(":") { return [url] }
        return [url, head + authority + ":" + defaultPort + tail]
    }

    // MARK: Decoding

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        let field = FormFields(request.body)
        let messageId = field["MessageSid"] ?? field["SmsSid"]
        guard messageId != nil || field["From"] != nil else {
            throw .badRequest("expected a form-encoded Twilio message with MessageSid and From")
        }
        // Twilio signs the sorted parameters, not the body's bytes: a reordered body keeps the signature.
        return DecodedEvents(signedBody: Self.signedParameters(request.body)) { () throws(InvalidEvent) in
            guard Self.isOptOut(optOutType: field["OptOutType"], body: field["Body"]) else { return nil }
            var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
            keys.phone(field["From"].map(Self.withoutChannel))
            return try keys.event(eventId: messageId)
        }
    }

    /// Whether a message withdraws consent: Twilio's own classification when it sent one, else a STOP keyword.
    static func isOptOut(optOutType: String?, body: String?) -> Bool {
        if let optOutType { return optOutType.uppercased() == "STOP" }
        guard let body else { return false }
        return stopKeywords.contains(body.trimmingCharacters(in: .whitespacesAndNewlines).uppercased())
    }

    /// `+15551234567` from `whatsapp:+15551234567`; channel addresses carry the number after the channel's name.
    private static func withoutChannel(_ address: String) -> String {
        guard let colon = address.firstIndex(of: ":") else { return address }
        return String(address[address.index(after: colon)...])
    }

    // MARK: Dialect

    /// An empty TwiML response for every journaled message (so Twilio neither retries nor replies); problems
    /// otherwise.
    public func respond(_ answer: WebhookAnswer) -> HTTPResponse {
        switch answer {
        case .handled, .unmapped:
            return .text(200, Self.emptyTwiML, contentType: "text/xml")
        case .retryLater, .refused:
            return answer.jsonResponse()
        }
    }

    static let emptyTwiML = #"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#

    // MARK: Signing

    /// `X-Twilio-Signature` for a form-encoded `body` posted to `url`.
    ///
    /// The URL signed is `publicURL` with `url`'s query, as ``authenticate(_:now:)`` checks it: Twilio signs the
    /// public URL, so a request sent straight to the bridge (past the proxy that `publicURL` names) must carry the
    /// signature of the public URL, not of the address it was sent to.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        let signedURL = PublicURL.signed(publicURL, query: PublicURL.query(of: url))
        let signature = Signatures.hmacSHA1(
            key: Array(authToken.reveal().utf8), Array(signedURL.utf8), Self.signedParameters(body))
        return SignedRequest(
            url: url,
            headers: [
                .init("Content-Type", "application/x-www-form-urlencoded"),
                .init("X-Twilio-Signature", Signatures.base64(signature)),
            ])
    }
}
