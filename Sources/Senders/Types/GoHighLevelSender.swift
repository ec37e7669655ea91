import Crypto
import Foundation
import JSON
import MicroHTTP
import OptOutCore
import SenderSchema
import _CryptoExtras

/// GoHighLevel (HighLevel) webhooks: one JSON event per request, signed with HighLevel's private key.
///
/// `publicKey` holds HighLevel's published public key in PEM, or both of its keys as two PEM blocks one after the
/// other. HighLevel signs the raw body two ways: `x-wh-signature`, base64 RSA-SHA256 with PKCS #1 v1.5 padding under
/// its RSA key, and `X-GHL-Signature`, base64 Ed25519 under its Ed25519 key. HighLevel announced that from
/// 1 July 2026 it sends only `X-GHL-Signature`, so configure the Ed25519 key too (or alone) before then. A request
/// is checked against the Ed25519 key when it carries `X-GHL-Signature` and that key is configured, otherwise against
/// the RSA key with `x-wh-signature`.
///
/// The body's `timestamp`, when present, must not be more than ``replayWindow`` old (nor 5 minutes ahead).
/// HighLevel retries only on 429, re-sending the same payload six times about 10 minutes apart, so a 5-minute
/// window would refuse every retry the bridge itself asked for; replays inside the window are caught by the journal's
/// event id (`webhookId`; without one, the contact id and the timestamp, else the signed body's
/// ``DecodedEvents/bodyDigest(_:)``).
///
/// A `ContactDndUpdate` event is an opt-out when `dnd` is `true` or any channel of `dndSettings` (`Call`, `SMS`,
/// `Email`, `WhatsApp`, …) has the status `active` or `permanent`; other event types, and DND updates that turn DND
/// off, are ignored. The contact is `id` (`contactId` in some payloads), `email` and `phone`.
///
/// Where another sender is told 503, HighLevel is told 429 with `Retry-After`, the only status it retries.
public struct GoHighLevelSender: WebhookSender {
    public static let type = "gohighlevel"

    /// How old a signed body's `timestamp` may be: HighLevel's six retries, about 10 minutes apart with jitter, and
    /// some slack.
    public static let replayWindow: TimeInterval = 75 * 60

    /// DND statuses that mean the contact must not be contacted on that channel.
    static let blockingStatuses: Set<String> = ["active", "permanent"]

    /// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), followed by the 32-byte key.
    static let ed25519PublicKeyPrefix: [UInt8] = [
        0x30, 0x2A, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x03, 0x21, 0x00,
    ]
    /// The DER prefix of an Ed25519 PKCS #8 private key (RFC 8410), followed by the 32-byte seed.
    static let ed25519PrivateKeyPrefix: [UInt8] = [
        0x30, 0x2E, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2B, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
    ]

    public let name: String
    private let rsaKey: _RSA.Signing.PublicKey?
    /// The raw Ed25519 key; Crypto's key type is not `Sendable`.
    private let ed25519Key: [UInt8]?
    private let defaultCountryCode: String?

    public static let optionKeys: [SenderOptionKey] = [.string("publicKey", required: true)]

    public init(name: String, checked options: SenderOptions) {
        var rsaKey: _RSA.Signing.PublicKey?
        var ed25519Key: [UInt8]?
        if let text = options.string("publicKey") {
            let blocks = Self.pemBlocks(text)
            if blocks.isEmpty {
                options.error(
                    "'publicKey' must be HighLevel's public key in PEM (-----BEGIN PUBLIC KEY-----)", about: "publicKey"
                )
            }
            for block in blocks {
                if Self.isRSAKey(block.der, pkcs1: false),
                    let key = try? _RSA.Signing.PublicKey(pemRepresentation: block.text)
                {
                    rsaKey = key
                } else if let key = Self.ed25519PublicKey(block.der) {
                    ed25519Key = key
                } else {
                    options.error(
                        "'publicKey' holds a PEM block that is neither an RSA key of 2048 bits or more nor an Ed25519 "
                            + "key",
                        about: "publicKey")
                }
            }
        }
        self.name = name
        self.rsaKey = rsaKey
        self.ed25519Key = ed25519Key
        self.defaultCountryCode = options.defaultCountryCode
    }

    /// The PEM blocks of `text`: each one's full text and its decoded DER.
    static func pemBlocks(_ text: String) -> [(text: String, der: [UInt8])] {
        var blocks: [(text: String, der: [UInt8])] = []
        var current: [Substring]?
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("-----BEGIN ") {
                current = [Substring(trimmed)]
            } else if trimmed.hasPrefix("-----END "), var lines = current {
                lines.append(Substring(trimmed))
                let body = lines.dropFirst().dropLast().joined()
                if let der = Signatures.unbase64(body) { blocks.append((lines.joined(separator: "\n"), der)) }
                current = nil
            } else if current != nil {
                current?.append(Substring(trimmed))
            }
        }
        return blocks
    }

    /// The DER of the rsaEncryption algorithm identifier, 1.2.840.113549.1.1.1.
    static let rsaEncryptionOID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]

    /// Whether `der` is one whole DER SEQUENCE that names RSA (or, for PKCS #1, is a bare RSA key).
    ///
    /// swift-crypto 3.12.3's `_RSA` keys free their BoringSSL key twice when the DER does not parse, which aborts the
    /// process (BoringSSL's reference count check); so only what is an RSA key by its shape may reach them. An
    /// Ed25519 block or a corrupt one never does.
    static func isRSAKey(_ der: [UInt8], pkcs1: Bool) -> Bool {
        guard der.count > 2, der[0] == 0x30 else { return false }
        var length = Int(der[1])
        var header = 2
        if length & 0x80 != 0 {
            let count = length & 0x7F
            guard (1...3).contains(count), der.count > 2 + count else { return false }
            length = der[2..<(2 + count)].reduce(0) { $0 << 8 | Int($1) }
            header += count
        }
        guard header + length == der.count else { return false }
        if pkcs1 { return true }
        let oid = rsaEncryptionOID
        return (0...(der.count - oid.count)).contains { der[$0..<($0 + oid.count)].elementsEqual(oid) }
    }

    static func ed25519PublicKey(_ der: [UInt8]) -> [UInt8]? {
        guard der.count == ed25519PublicKeyPrefix.count + 32, der.starts(with: ed25519PublicKeyPrefix) else {
            return nil
        }
        return Array(der.suffix(32))
    }

    // MARK: Authentication

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        if let ed25519Key, let header = request.headers["X-GHL-Signature"] {
            guard let signature = Signatures.unbase64(header.trimmingCharacters(in: .whitespaces)),
                let key = try? Curve25519.Signing.PublicKey(rawRepresentation: ed25519Key),
                key.isValidSignature(signature, for: request.body)
            else {
                throw .unauthorized("X-GHL-Signature does not match; check that publicKey is HighLevel's Ed25519 key")
            }
        } else if let rsaKey, let header = request.headers["x-wh-signature"] {
            guard let signature = Signatures.unbase64(header.trimmingCharacters(in: .whitespaces)),
                rsaKey.isValidSignature(
                    _RSA.Signing.RSASignature(rawRepresentation: signature), for: request.body,
                    padding: .insecurePKCS1v1_5)
            else {
                throw .unauthorized("x-wh-signature does not match; check that publicKey is HighLevel's RSA key")
            }
        } else if request.headers["X-GHL-Signature"] != nil {
            throw .unauthorized(
                "the request is signed with X-GHL-Signature only: add HighLevel's Ed25519 public key to publicKey")
        } else {
            let expected = [ed25519Key.map { _ in "X-GHL-Signature" }, rsaKey.map { _ in "x-wh-signature" }]
            throw .unauthorized("\(expected.compactMap { $0 }.joined(separator: " or ")) is missing")
        }
        if let sent = Self.timestamp(request.body) {
            let age = now.timeIntervalSince(sent)
            guard age <= Self.replayWindow, age >= -Signatures.tolerance else {
                throw .unauthorized("the body's timestamp is too old or in the future; a replay is refused")
            }
        }
    }

    /// The body's `timestamp` (ISO 8601, or Unix seconds or milliseconds), when it has a readable one.
    static func timestamp(_ body: [UInt8]) -> Date? {
        guard let value = (try? JSONParser.parse(body))?["timestamp"] else { return nil }
        if let text = value.asString {
            if let date = try? Date(text, strategy: .iso8601) { return date }
            return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }
        guard let number = value.doubleValue else { return nil }
        return Date(timeIntervalSince1970: number >= 1e11 ? number / 1000 : number)
    }

    // MARK: Decoding

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        let root = try WebhookPayload.json(request.body)
        guard root.asObject != nil, let type = root["type"]?.asString else {
            throw .badRequest("expected a HighLevel webhook: a JSON object with a 'type'")
        }
        return DecodedEvents(signedBody: request.body) { () throws(InvalidEvent) in
            guard type == "ContactDndUpdate", Self.isDoNotDisturb(root) else { return nil }
            var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
            let contactId = WebhookPayload.idText(root["id"]) ?? WebhookPayload.idText(root["contactId"])
            keys.crmId(contactId)
            keys.email(root["email"]?.asString)
            keys.phone(root["phone"]?.asString)
            var eventId = WebhookPayload.idText(root["webhookId"])
            if eventId == nil, let contactId, let timestamp = WebhookPayload.idText(root["timestamp"]) {
                eventId = contactId + "@" + timestamp
            }
            return try keys.event(eventId: eventId, occurredAt: Self.timestamp(request.body))
        }
    }

    /// Whether DND is on for the contact, globally or on any channel.
    static func isDoNotDisturb(_ contact: JSONValue) -> Bool {
        if contact["dnd"]?.asBool == true { return true }
        for channel in contact["dndSettings"]?.asObject ?? [] {
            if let status = channel.value["status"]?.asString, blockingStatuses.contains(status.lowercased()) {
                return true
            }
        }
        return false
    }

    // MARK: Dialect

    /// The JSON dialect, with 429 where others get 503: HighLevel retries nothing else.
    public func respond(_ answer: WebhookAnswer) -> HTTPResponse {
        answer.jsonResponse(retryStatus: 429)
    }

    // MARK: Signing

    /// The signature header for `body`, made with `privateKeyPEM`: `x-wh-signature` for an RSA key,
    /// `X-GHL-Signature` for an Ed25519 key (PKCS #8). The key must pair with a configured public key.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        guard let privateKeyPEM else {
            throw .badRequest(
                "HighLevel signs with its own private key: give the RSA or Ed25519 private key (PEM) whose public "
                    + "half is configured as publicKey")
        }
        let header: SignedRequest.Header
        if let block = Self.pemBlocks(privateKeyPEM).first,
            Self.isRSAKey(block.der, pkcs1: block.text.hasPrefix("-----BEGIN RSA PRIVATE KEY-----")),
            let privateKey = try? _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        {
            guard let rsaKey, privateKey.publicKey.derRepresentation == rsaKey.derRepresentation else {
                throw .badRequest("the RSA private key is not the pair of the configured publicKey")
            }
            guard let signature = try? privateKey.signature(for: body, padding: .insecurePKCS1v1_5) else {
                throw .badRequest("signing with the RSA private key failed")
            }
            header = .init("x-wh-signature", Signatures.base64(signature.rawRepresentation))
        } else if let der = Self.pemBlocks(privateKeyPEM).first?.der,
            der.count == Self.ed25519PrivateKeyPrefix.count + 32, der.starts(with: Self.ed25519PrivateKeyPrefix),
            let privateKey = try? Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32))
        {
            guard let ed25519Key, Array(privateKey.publicKey.rawRepresentation) == ed25519Key else {
                throw .badRequest("the Ed25519 private key is not the pair of the configured publicKey")
            }
            guard let signature = try? privateKey.signature(for: body) else {
                throw .badRequest("signing with the Ed25519 private key failed")
            }
            header = .init("X-GHL-Signature", Signatures.base64(signature))
        } else {
            throw .badRequest("the private key is neither an RSA key nor an Ed25519 key (PKCS #8) in PEM")
        }
        return SignedRequest.json(url: url, header)
    }
}
