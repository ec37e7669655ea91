import Foundation
import JSON
import MicroHTTP
import OptOutCore

/// Klaviyo system webhooks: a JSON body whose `data` array holds events by topic, signed with `Klaviyo-Signature`.
///
/// The signature is hex HMAC-SHA256 of the webhook's secret over the raw body followed by the `Klaviyo-Timestamp`
/// header exactly as sent. The timestamp must be within 5 minutes of the server's clock; it is read as Unix seconds,
/// as milliseconds when it is too large to be seconds, or as ISO 8601 text.
///
/// Events whose topic's name starts with `unsubscribed_` (from email or SMS marketing, from a list) or speaks of a
/// suppression (`manually_suppressed_from_email_marketing`, …) are opt-outs. The profile id
/// (`payload.data.relationships.profile.data.id`) is the CRM id; email and phone come from the event's properties,
/// or from the profile when the payload includes it. The event id is `external_id`, else the event's own id, else the
/// signed body's digest and the entry's index (``DecodedEvents/bodyDigest(_:)``). An entry of `data` without a topic, or an opt-out without a usable contact, is invalid, and the others are decoded.
public struct KlaviyoSender: SharedSecretSender {
    public static let type = "klaviyo"
    static let secretKey = "secret"

    public let name: String
    let secret: Secret
    let defaultCountryCode: String?

    // MARK: Authentication

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        let signature = try WebhookPayload.header("Klaviyo-Signature", of: request)
        let timestamp = try WebhookPayload.header("Klaviyo-Timestamp", of: request)
        guard let seconds = Self.seconds(timestamp), Signatures.isFresh(seconds, now: now) else {
            throw .unauthorized("Klaviyo-Timestamp is not a time within 5 minutes of the server's clock")
        }
        let expected = Signatures.hmacSHA256(
            key: Array(secret.reveal().utf8), request.body, Array(timestamp.utf8))
        guard let given = Signatures.unhex(signature.trimmingCharacters(in: .whitespaces)),
            Signatures.constantTimeEqual(given, expected)
        else {
            throw .unauthorized("Klaviyo-Signature does not match; check the webhook's secret key")
        }
    }

    /// The timestamp as Unix seconds: seconds, milliseconds (values past the year 5138 in seconds) or ISO 8601.
    private static func seconds(_ text: String) -> TimeInterval? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let number = Double(trimmed), number.isFinite {
            return number >= 1e11 ? number / 1000 : number
        }
        return (try? Date(trimmed, strategy: .iso8601))?.timeIntervalSince1970
    }

    // MARK: Decoding

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        let root = try WebhookPayload.json(request.body)
        guard let items = root["data"]?.asArray else {
            throw .badRequest("expected a Klaviyo webhook: an object whose 'data' is an array of events")
        }
        return DecodedEvents(batch: items, signedBody: request.body) { (_, item) throws(InvalidEvent) in
            let event = item["payload"]?["data"]
            let eventId = WebhookPayload.idText(item["external_id"]) ?? WebhookPayload.idText(event?["id"])
            guard let topic = item["topic"]?.asString else {
                throw InvalidEvent(eventId: eventId, reason: "the entry of 'data' has no topic")
            }
            guard Self.isOptOut(topic: topic) else { return nil }
            let attributes = event?["attributes"]
            let properties = attributes?["event_properties"]
            let profileId = WebhookPayload.idText(event?["relationships"]?["profile"]?["data"]?["id"])
            let profile = Self.includedProfile(id: profileId, in: item["payload"]?["included"])?["attributes"]
            var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
            keys.crmId(profileId)
            keys.email(properties?["email"]?.asString ?? properties?["$email"]?.asString)
            keys.email(attributes?["email"]?.asString ?? profile?["email"]?.asString)
            keys.phone(properties?["phone_number"]?.asString ?? properties?["$phone_number"]?.asString)
            keys.phone(attributes?["phone_number"]?.asString ?? profile?["phone_number"]?.asString)
            return try keys.event(eventId: eventId, occurredAt: Self.date(attributes))
        }
    }

    /// Whether a topic such as `event:klaviyo.unsubscribed_from_sms_marketing` withdraws consent.
    static func isOptOut(topic: String) -> Bool {
        let metric = (topic.split(separator: ".").last.map(String.init) ?? topic).lowercased()
        if metric.hasPrefix("unsubscribed") { return true }
        return metric.contains("suppressed") && !metric.contains("unsuppressed")
    }

    /// The profile among the payload's `included` resources, when Klaviyo sent it along.
    private static func includedProfile(id: String?, in included: JSONValue?) -> JSONValue? {
        guard let id, let resources = included?.asArray else { return nil }
        return resources.first { $0["type"]?.asString == "profile" && WebhookPayload.idText($0["id"]) == id }
    }

    private static func date(_ attributes: JSONValue?) -> Date? {
        if let text = attributes?["datetime"]?.asString, let date = try? Date(text, strategy: .iso8601) {
            return date
        }
        return attributes?["timestamp"]?.doubleValue.map { Date(timeIntervalSince1970: $0) }
    }

    // MARK: Signing

    /// `Klaviyo-Timestamp` (Unix seconds) and `Klaviyo-Signature` for `body`.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        let timestamp = Signatures.unixSeconds(now)
        let signature = Signatures.hmacSHA256(key: Array(secret.reveal().utf8), body, Array(timestamp.utf8))
        return SignedRequest.json(
            url: url,
            .init("Klaviyo-Timestamp", timestamp),
            .init("Klaviyo-Signature", Signatures.hex(signature)))
    }
}
