import Crypto
import Foundation
import JSON
import MicroHTTP
import OptOutCore
import SenderSchema

/// SendGrid Event Webhook: a JSON array of email events, signed with ECDSA P-256.
///
/// `X-Twilio-Email-Event-Webhook-Signature` is the base64 DER ECDSA signature (SHA-256) over
/// `X-Twilio-Email-Event-Webhook-Timestamp` followed by the raw body; the timestamp (Unix seconds) must be within
/// 5 minutes of the server's clock. `publicKey` is the verification key SendGrid shows when signing is enabled:
/// base64 DER (a PEM block is accepted too).
///
/// `unsubscribe`, `group_unsubscribe` and `spamreport` events are opt-outs, one event each, keyed by `email`;
/// the event id is `sg_event_id`, which SendGrid keeps across retries (without one, the signed body's
/// ``DecodedEvents/bodyDigest(_:)`` and the event's index). Other events (delivered, open, bounce, …) are
/// ignored, so a batch of only those is answered `ignored`. An element that is not an object with an `event` name,
/// or an opt-out without a usable `email`, is invalid, and the rest of the batch is decoded.
public struct SendGridSender: WebhookSender {
    public static let type = "sendgrid"

    static let optOutEvents: Set<String> = ["unsubscribe", "group_unsubscribe", "spamreport"]

    public let name: String
    /// The key's raw representation: Crypto's key type is not `Sendable`, and rebuilding it costs little next to
    /// the verification.
    private let publicKeyBytes: [UInt8]
    private let defaultCountryCode: String?

    public static let optionKeys: [SenderOptionKey] = [.string("publicKey", required: true)]

    public init(name: String, checked options: SenderOptions) {
        let key = options.string("publicKey").flatMap(Self.publicKey)
        if options.string("publicKey") != nil, key == nil {
            options.error(
                "'publicKey' must be the P-256 verification key SendGrid shows for signed event webhooks "
                    + "(base64 DER, or PEM)",
                about: "publicKey")
        }
        self.name = name
        // Without a key, a problem was recorded and this sender is thrown away.
        self.publicKeyBytes = key.map { Array($0.rawRepresentation) } ?? []
        self.defaultCountryCode = options.defaultCountryCode
    }

    static func publicKey(_ text: String) -> P256.Signing.PublicKey? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("-----BEGIN") { return try? P256.Signing.PublicKey(pemRepresentation: trimmed) }
        guard let der = Signatures.unbase64(trimmed) else { return nil }
        return try? P256.Signing.PublicKey(derRepresentation: der)
    }

    // MARK: Authentication

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        let signature = try WebhookPayload.header("X-Twilio-Email-Event-Webhook-Signature", of: request)
        let timestamp = try WebhookPayload.header("X-Twilio-Email-Event-Webhook-Timestamp", of: request)
        try WebhookPayload.checkUnixSeconds(timestamp, of: "X-Twilio-Email-Event-Webhook-Timestamp", now: now)
        guard let der = Signatures.unbase64(signature.trimmingCharacters(in: .whitespaces)),
            let ecdsa = try? P256.Signing.ECDSASignature(derRepresentation: der)
        else {
            throw .unauthorized("X-Twilio-Email-Event-Webhook-Signature is not a base64 DER ECDSA signature")
        }
        guard let publicKey = try? P256.Signing.PublicKey(rawRepresentation: publicKeyBytes),
            publicKey.isValidSignature(ecdsa, for: Array(timestamp.utf8) + request.body)
        else {
            throw .unauthorized(
                "X-Twilio-Email-Event-Webhook-Signature does not match; check that publicKey is the webhook's "
                    + "verification key")
        }
    }

    // MARK: Decoding

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        let root = try WebhookPayload.json(request.body)
        guard let items = root.asArray else {
            throw .badRequest("expected a SendGrid event batch: a JSON array of events")
        }
        return DecodedEvents(batch: items, signedBody: request.body) { (_, item) throws(InvalidEvent) in
            let eventId = item["sg_event_id"]?.asString
            guard item.asObject != nil, let kind = item["event"]?.asString else {
                throw InvalidEvent(eventId: eventId, reason: "not an object with an 'event' name")
            }
            guard Self.optOutEvents.contains(kind) else { return nil }
            var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
            keys.email(item["email"]?.asString)
            let occurredAt = item["timestamp"]?.doubleValue.map { Date(timeIntervalSince1970: $0) }
            return try keys.event(eventId: eventId, occurredAt: occurredAt)
        }
    }

    // MARK: Signing

    /// The two headers, signed with `privateKeyPEM`, the P-256 private key whose public half is `publicKey`.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        guard let privateKeyPEM else {
            throw .badRequest(
                "SendGrid signs with its own private key: give the P-256 private key (PEM) whose public half is "
                    + "the configured publicKey")
        }
        guard let privateKey = try? P256.Signing.PrivateKey(pemRepresentation: privateKeyPEM) else {
            throw .badRequest("the private key is not a P-256 private key in PEM")
        }
        guard Array(privateKey.publicKey.rawRepresentation) == publicKeyBytes else {
            throw .badRequest("the private key is not the pair of the configured publicKey")
        }
        let timestamp = Signatures.unixSeconds(now)
        guard let signature = try? privateKey.signature(for: Array(timestamp.utf8) + body) else {
            throw .badRequest("signing with the P-256 private key failed")
        }
        return SignedRequest.json(
            url: url,
            .init("X-Twilio-Email-Event-Webhook-Signature", Signatures.base64(signature.derRepresentation)),
            .init("X-Twilio-Email-Event-Webhook-Timestamp", timestamp))
    }
}
