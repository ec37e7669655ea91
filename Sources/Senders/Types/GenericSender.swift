import Foundation
import JSON
import MicroHTTP
import OptOutCore
import SenderSchema

/// Any JSON sender, authenticated by a bearer token or by a HMAC of the body in a header.
///
/// Exactly one of `bearer` (a secret compared with `Authorization: Bearer …`) and `hmac` is configured. `hmac` is an
/// object: `header` (the header that carries the signature), `algorithm` (`sha256`, the default, or `sha1`),
/// `encoding` (`hex`, the default, or `base64`) and `prefix` (text before the encoded digest, such as `sha256=`;
/// none by default); its key is the sender's `secret`, read beside `hmac` like every secret. The HMAC is over the
/// raw body alone, so there is no timestamp and a replay is caught only by the journal's event id: configure
/// `fields.eventId` where the sender has one. Without it, a HMAC-signed event is named by the body's digest
/// (``DecodedEvents/bodyDigest(_:)``, `#` and its index in a list), so the same signed body sent again is a
/// duplicate; a bearer-authenticated event without an id has none.
///
/// Events are read with ``FieldMapping`` (`fields`, `when`).
public struct GenericSender: WebhookSender {
    public static let type = "generic"

    /// How requests are authenticated.
    enum Check: Sendable {
        case bearer(Secret)
        case hmac(HMACCheck)
    }

    /// A HMAC signature header.
    struct HMACCheck: Sendable {
        enum Algorithm: String, Sendable, CaseIterable {
            case sha1, sha256
        }

        enum Encoding: String, Sendable, CaseIterable {
            case hex, base64
        }

        var header: String
        var secret: Secret
        var algorithm: Algorithm
        var encoding: Encoding
        var prefix: String

        static let keys = ["header", "algorithm", "encoding", "prefix"]

        func digest(_ body: [UInt8]) -> [UInt8] {
            let key = Array(secret.reveal().utf8)
            switch algorithm {
            case .sha1: return Signatures.hmacSHA1(key: key, body)
            case .sha256: return Signatures.hmacSHA256(key: key, body)
            }
        }

        func encoded(_ digest: [UInt8]) -> String {
            prefix + (encoding == .hex ? Signatures.hex(digest) : Signatures.base64(digest))
        }
    }

    public let name: String
    let check: Check
    private let mapping: FieldMapping
    private let defaultCountryCode: String?

    public static let optionKeys: [SenderOptionKey] =
        [.secret("bearer", required: false), .json("hmac"), .secret("secret", required: false)]
        + FieldMapping.optionKeys

    public init(name: String, checked options: SenderOptions) {
        let hasBearer = options.isGiven("bearer")
        let hmacValue = options.value("hmac")
        let hasSecret = options.isGiven("secret")
        var check: Check?
        switch (hasBearer, hmacValue) {
        case (true, nil):
            check = options.secret("bearer").map(Check.bearer)
            if hasSecret {
                options.error("'secret' is the key of 'hmac'; with 'bearer' there is none", about: "secret")
            }
        case (false, let value?):
            check = Self.hmac(value, options: options).map(Check.hmac)
        case (true, _?):
            options.error("configure either 'bearer' or 'hmac', not both")
        case (false, nil):
            options.error(
                "missing authentication: add 'bearer' (a token), or 'hmac' "
                    + #"({"header": "X-Signature"}) with its 'secret'"#)
        }
        self.name = name
        // Without a check, a problem was recorded and this sender is thrown away.
        self.check = check ?? .bearer(Secret(""))
        self.mapping = FieldMapping(options: options)
        self.defaultCountryCode = options.defaultCountryCode
    }

    /// Reads the `hmac` object (the scheme) and the sender's `secret`; `nil` after recording their problems.
    ///
    /// The secret sits beside `hmac` rather than in it, so that it is read like every other secret, with `env:`
    /// and `file:` references.
    private static func hmac(_ value: JSONValue, options: SenderOptions) -> HMACCheck? {
        let secret = options.secret("secret")
        if !options.isGiven("secret") { options.missing("secret") }
        guard let members = value.asObject else {
            options.error(
                #"'hmac' must be an object such as {"header": "X-Signature", "encoding": "hex"}"#, at: value.position)
            return nil
        }
        var header: String?
        var algorithm = HMACCheck.Algorithm.sha256
        var encoding = HMACCheck.Encoding.hex
        var prefix = ""
        var valid = true
        func problem(_ message: String, _ position: SourcePosition) {
            options.error("hmac: " + message, at: position)
            valid = false
        }
        for member in members {
            let text = member.value.asString
            switch member.key {
            case "header":
                if let text, !text.isEmpty {
                    header = text
                } else {
                    problem("'header' must be a header name such as \"X-Signature\"", member.value.position)
                }
            case "algorithm":
                if let choice = text.flatMap({ HMACCheck.Algorithm(rawValue: $0.lowercased()) }) {
                    algorithm = choice
                } else {
                    problem("'algorithm' must be sha256 or sha1", member.value.position)
                }
            case "encoding":
                if let choice = text.flatMap({ HMACCheck.Encoding(rawValue: $0.lowercased()) }) {
                    encoding = choice
                } else {
                    problem("'encoding' must be hex or base64", member.value.position)
                }
            case "prefix":
                if let text {
                    prefix = text
                } else {
                    problem("'prefix' must be a string such as \"sha256=\"", member.value.position)
                }
            case "secret":
                problem(
                    "put the HMAC secret in the sender's 'secret' key, beside 'hmac' (env: and file: work there)",
                    member.keyPosition)
            default:
                let suggestion = Suggestion.closest(to: member.key, among: HMACCheck.keys)
                problem(
                    "unknown key '\(member.key)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ""),
                    member.keyPosition)
            }
        }
        if header == nil, !members.contains(where: { $0.key == "header" }) {
            problem("missing required key 'header', the header that carries the signature", value.position)
        }
        guard valid, let header, let secret else { return nil }
        return HMACCheck(header: header, secret: secret, algorithm: algorithm, encoding: encoding, prefix: prefix)
    }

    // MARK: Authentication

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        switch check {
        case .bearer(let token):
            guard let authorization = request.headers["Authorization"] else {
                throw .unauthorized("Authorization is missing; send Authorization: Bearer <token>")
            }
            let parts = authorization.split(separator: " ", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "bearer" else {
                throw .unauthorized("Authorization must be Bearer <token>")
            }
            guard token.matches(parts[1].trimmingCharacters(in: .whitespaces)) else {
                throw .unauthorized("the bearer token does not match")
            }
        case .hmac(let hmac):
            guard let value = request.headers[hmac.header] else { throw .unauthorized("\(hmac.header) is missing") }
            let text = value.trimmingCharacters(in: .whitespaces)
            guard text.hasPrefix(hmac.prefix) else {
                throw .unauthorized("\(hmac.header) must start with '\(hmac.prefix)'")
            }
            let encoded = text.dropFirst(hmac.prefix.count)
            let given = hmac.encoding == .hex ? Signatures.unhex(encoded) : Signatures.unbase64(encoded)
            guard let given, Signatures.constantTimeEqual(given, hmac.digest(request.body)) else {
                throw .unauthorized("\(hmac.header) does not match the body; check the HMAC secret and settings")
            }
        }
    }

    // MARK: Decoding

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        // A bearer token signs nothing of the body, so only a HMAC's body can name the events that name none.
        var bodyDigest: String?
        if case .hmac = check { bodyDigest = DecodedEvents.bodyDigest(request.body) }
        return try mapping.events(
            in: request.body, sender: name, defaultCountryCode: defaultCountryCode, defaultEventId: bodyDigest)
    }

    // MARK: Signing

    /// `Authorization: Bearer …`, or the configured HMAC header.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        let authentication: SignedRequest.Header
        switch check {
        case .bearer(let token):
            authentication = .init("Authorization", "Bearer " + token.reveal())
        case .hmac(let hmac):
            authentication = .init(hmac.header, hmac.encoded(hmac.digest(body)))
        }
        return SignedRequest.json(url: url, authentication)
    }
}
