import Foundation
import MicroHTTP
import OptOutCore
import SenderSchema

/// Any JSON sender that signs per the Standard Webhooks specification (Svix and the services built on it).
///
/// `webhook-signature` holds space-separated `v1,<base64>` entries, each a HMAC-SHA256 of
/// `webhook-id + "." + webhook-timestamp + "." + body` keyed with the base64 bytes after a secret's `whsec_` prefix.
/// The request is authentic when any entry matches any configured secret, so a sender can rotate keys (it signs
/// with both during the change) and the bridge can list the old and the new secret. Other versions (`v1a`, the
/// asymmetric scheme) are skipped. `webhook-timestamp` (Unix seconds) must be within 5 minutes of the server's clock
/// either way; the sender signs each attempt afresh, so retries pass.
///
/// Events are read with ``FieldMapping`` (`fields`, `when`). The event id defaults to `webhook-id`, which the spec
/// keeps the same across retries of one message; for an array body `#index` is appended to it.
public struct StandardWebhooksSender: WebhookSender {
    public static let type = "standard"

    public let name: String
    /// The `whsec_` secrets, each checked to decode.
    private let keys: [Secret]
    private let mapping: FieldMapping
    private let defaultCountryCode: String?

    public static let optionKeys: [SenderOptionKey] = [.secrets("secrets")] + FieldMapping.optionKeys

    public init(name: String, checked options: SenderOptions) {
        let secrets = options.requiredSecrets("secrets")
        if options.secrets("secrets")?.isEmpty == true {
            options.error("'secrets' must list at least one whsec_ secret")
        }
        for (index, secret) in secrets.enumerated() where Self.key(secret.reveal()) == nil {
            // The message names the entry by position only: its value is a secret.
            options.error(
                "'secrets' entry \(index + 1) is not a Standard Webhooks secret: expected whsec_ followed by base64",
                about: "secrets")
        }
        self.name = name
        self.keys = secrets
        self.mapping = FieldMapping(options: options)
        self.defaultCountryCode = options.defaultCountryCode
    }

    /// The HMAC key of a `whsec_…` secret: base64 after the prefix (a bare base64 secret is accepted too, as the
    /// reference libraries do).
    static func key(_ secret: String) -> [UInt8]? {
        let encoded = secret.hasPrefix("whsec_") ? secret.dropFirst(6) : Substring(secret)
        guard let key = Signatures.unbase64(encoded), !key.isEmpty else { return nil }
        return key
    }

    // MARK: Authentication

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        let id = try WebhookPayload.header("webhook-id", of: request)
        guard !id.isEmpty else { throw .unauthorized("webhook-id is missing") }
        let timestamp = try WebhookPayload.header("webhook-timestamp", of: request)
        let signatures = try WebhookPayload.header("webhook-signature", of: request)
        try WebhookPayload.checkUnixSeconds(timestamp, of: "webhook-timestamp", now: now)
        let given = signatures.split(separator: " ").compactMap { entry -> [UInt8]? in
            guard entry.hasPrefix("v1,") else { return nil }
            return Signatures.unbase64(entry.dropFirst(3))
        }
        let signedId = Array(id.utf8) + [UInt8(ascii: ".")]
        let signedTimestamp = Array(timestamp.utf8) + [UInt8(ascii: ".")]
        var matched = false
        // Every key and every entry is tried, so timing does not tell which of them matched.
        for key in keys {
            let expected = Signatures.hmacSHA256(key: storedKey(key), signedId, signedTimestamp, request.body)
            for signature in given where Signatures.constantTimeEqual(signature, expected) {
                matched = true
            }
        }
        guard matched else {
            throw .unauthorized("no v1 entry of webhook-signature matches a configured secret; check 'secrets'")
        }
    }

    /// The HMAC key of a secret that was checked at configuration time.
    private func storedKey(_ secret: Secret) -> [UInt8] {
        Self.key(secret.reveal()) ?? []
    }

    // MARK: Decoding

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        try mapping.events(
            in: request.body, sender: name, defaultCountryCode: defaultCountryCode,
            defaultEventId: request.headers["webhook-id"])
    }

    // MARK: Signing

    /// `webhook-id`, `webhook-timestamp` and a `webhook-signature` entry for each configured secret.
    ///
    /// The id is derived from the timestamp and the body, so signing the same body twice in one second gives the
    /// same id, as a sender's retry would.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        let timestamp = Signatures.unixSeconds(now)
        let id = "msg_" + Signatures.hex(Signatures.sha256(Array(timestamp.utf8), body).prefix(12))
        let signature = keys.map { key in
            let mac = Signatures.hmacSHA256(
                key: storedKey(key), Array((id + "." + timestamp + ".").utf8), body)
            return "v1," + Signatures.base64(mac)
        }.joined(separator: " ")
        return SignedRequest.json(
            url: url,
            .init("webhook-id", id),
            .init("webhook-timestamp", timestamp),
            .init("webhook-signature", signature))
    }
}
