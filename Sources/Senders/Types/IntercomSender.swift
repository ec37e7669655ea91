import Foundation
import JSON
import MicroHTTP
import OptOutCore

/// Intercom webhook notifications: one JSON `notification_event` per request, signed with `X-Hub-Signature`.
///
/// The signature is `sha1=` and the hex HMAC-SHA1 of the app's client secret over the raw body. Intercom sends no
/// timestamp, so a replay is caught only by the journal's event id (the notification's `id`, kept across retries;
/// without one, the signed body's ``DecodedEvents/bodyDigest(_:)``).
///
/// A notification is an opt-out when the last part of its topic starts with `unsubscribed` (`user.unsubscribed`,
/// `user.unsubscribed_from_sms`, `contact.unsubscribed` and any later topic of that form), or when an update topic
/// (`….updated`) carries a contact whose `unsubscribed_from_emails` is `true`. The latter repeats for every later
/// update of an unsubscribed contact; the repeat is harmless, since deleting leads that are already gone changes
/// nothing. Deletions, archives and other topics (including the `ping` sent when the webhook is set up) are ignored:
/// removing a contact from Intercom is not the contact's withdrawal of consent. The contact is `data.item` (`id`,
/// `email`, `phone`), or its `contact` member where the item wraps the contact with the subscription types it left
/// (API 2.7 and later).
public struct IntercomSender: SharedSecretSender {
    public static let type = "intercom"
    static let secretKey = "secret"

    public let name: String
    let secret: Secret
    let defaultCountryCode: String?

    // MARK: Authentication

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        let header = try WebhookPayload.header("X-Hub-Signature", of: request)
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("sha1="), let given = Signatures.unhex(text.dropFirst(5)) else {
            throw .unauthorized("X-Hub-Signature must be sha1= followed by a hex digest")
        }
        let expected = Signatures.hmacSHA1(key: Array(secret.reveal().utf8), request.body)
        guard Signatures.constantTimeEqual(given, expected) else {
            throw .unauthorized("X-Hub-Signature does not match; check the app's client secret")
        }
    }

    // MARK: Decoding

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        let root = try WebhookPayload.json(request.body)
        guard root.asObject != nil, let topic = root["topic"]?.asString else {
            throw .badRequest("expected an Intercom notification: a JSON object with a 'topic'")
        }
        return DecodedEvents(signedBody: request.body) { () throws(InvalidEvent) in
            let item = root["data"]?["item"]
            guard Self.isOptOut(topic: topic, item: item) else { return nil }
            let eventId = WebhookPayload.idText(root["id"])
            guard var item, item.asObject != nil else {
                throw InvalidEvent(eventId: eventId, reason: "the \(topic) notification has no data.item object")
            }
            if let contact = item["contact"], contact.asObject != nil { item = contact }
            var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
            keys.crmId(WebhookPayload.idText(item["id"]))
            keys.email(item["email"]?.asString)
            keys.phone(item["phone"]?.asString)
            let occurredAt = root["created_at"]?.doubleValue.map { Date(timeIntervalSince1970: $0) }
            return try keys.event(eventId: eventId, occurredAt: occurredAt)
        }
    }

    /// Whether a notification withdraws consent; see the type's description.
    static func isOptOut(topic: String, item: JSONValue?) -> Bool {
        let action = topic.split(separator: ".").last ?? Substring(topic)
        if action.hasPrefix("unsubscribed") { return true }
        return topic.hasSuffix(".updated") && item?["unsubscribed_from_emails"]?.asBool == true
    }

    // MARK: Signing

    /// `X-Hub-Signature: sha1=…` for `body`.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        let signature = Signatures.hmacSHA1(key: Array(secret.reveal().utf8), body)
        return SignedRequest.json(
            url: url,
            .init("X-Hub-Signature", "sha1=" + Signatures.hex(signature)))
    }
}
