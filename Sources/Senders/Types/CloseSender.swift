import Foundation
import JSON
import MicroHTTP
import OptOutCore
import SenderSchema

/// Close webhooks: one event-log entry per request, signed with `close-sig-hash` and `close-sig-timestamp`.
///
/// The signature is hex HMAC-SHA256, keyed with the hex-decoded `signatureKey` that Close returned when the
/// subscription was created, over `close-sig-timestamp` (Unix seconds, within 5 minutes of the server's clock)
/// followed by the raw body.
///
/// Three events are opt-outs:
/// - `unsubscribed_email` `created`: the address in `data.email` unsubscribed (Close's only record of an email
///   opt-out; `lead_id` is not used, since a lead is a company whose other contacts did not opt out).
/// - `contact` `updated` where an address of `data.emails` is newly `is_unsubscribed` (not so in `previous_data`,
///   which Close fills only with the fields that changed): the contact (`object_id`) and those addresses.
/// - `contact` `deleted`, as HubSpot's contact deletions are: the contact and the addresses and numbers of
///   `previous_data`. A deletion that belongs to a merge of leads (`meta.merge_source_lead_id`) is not, since the
///   person lives on in the destination lead.
///
/// The event id is the event's `id`; Close updates an event in place when actions on one object follow closely,
/// so the id alone could hide a later change, and the `date_updated` is appended when there is one.
/// An event without an `id` is named by the signed body's ``DecodedEvents/bodyDigest(_:)``.
public struct CloseSender: WebhookSender {
    public static let type = "close"

    public static let optionKeys: [SenderOptionKey] = [.secret("signatureKey")]

    public let name: String
    private let signatureKey: Secret
    private let defaultCountryCode: String?

    public init(name: String, checked options: SenderOptions) {
        if let key = options.secret("signatureKey"), Self.keyBytes(key) == nil {
            options.error(
                "'signatureKey' must be the hex signature_key Close returned for the subscription",
                about: "signatureKey")
        }
        self.name = name
        self.signatureKey = options.requiredSecret("signatureKey")
        self.defaultCountryCode = options.defaultCountryCode
    }

    private static func keyBytes(_ key: Secret) -> [UInt8]? {
        guard let bytes = Signatures.unhex(key.reveal().trimmingCharacters(in: .whitespaces)), !bytes.isEmpty else {
            return nil
        }
        return bytes
    }

    // MARK: Authentication

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        let signature = try WebhookPayload.header("close-sig-hash", of: request)
        let timestamp = try WebhookPayload.header("close-sig-timestamp", of: request)
        try WebhookPayload.checkUnixSeconds(timestamp, of: "close-sig-timestamp", now: now)
        let expected = Signatures.hmacSHA256(
            key: Self.keyBytes(signatureKey) ?? [], Array(timestamp.utf8), request.body)
        guard let given = Signatures.unhex(signature.trimmingCharacters(in: .whitespaces)),
            Signatures.constantTimeEqual(given, expected)
        else {
            throw .unauthorized("close-sig-hash does not match; check the subscription's signatureKey")
        }
    }

    // MARK: Decoding

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        let root = try WebhookPayload.json(request.body)
        guard let event = root["event"], event.asObject != nil, let objectType = event["object_type"]?.asString,
            let action = event["action"]?.asString
        else {
            throw .badRequest("expected a Close webhook: an object whose 'event' has object_type and action")
        }
        return DecodedEvents(signedBody: request.body) { () throws(InvalidEvent) in
            try optOut(event, objectType: objectType, action: action)
        }
    }

    /// The opt-out an event-log entry is, or `nil` when it is not one; see the type's description.
    private func optOut(_ event: JSONValue, objectType: String, action: String) throws(InvalidEvent) -> OptOutEvent? {
        let data = event["data"]
        let previous = event["previous_data"]
        var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
        switch (objectType, action) {
        case ("unsubscribed_email", "created"):
            keys.email(data?["email"]?.asString)
        case ("contact", "updated"):
            let newly = Self.unsubscribedEmails(data).subtracting(Self.unsubscribedEmails(previous))
            guard previous?["emails"] != nil, !newly.isEmpty else { return nil }
            keys.crmId(WebhookPayload.idText(event["object_id"]) ?? WebhookPayload.idText(data?["id"]))
            for email in Self.emails(data) where newly.contains(email.lowercased()) { keys.email(email) }
        case ("contact", "deleted"):
            guard event["meta"]?["merge_source_lead_id"] == nil else { return nil }
            let contact = previous.flatMap { $0.asObject == nil ? nil : $0 } ?? data
            keys.crmId(WebhookPayload.idText(event["object_id"]) ?? WebhookPayload.idText(contact?["id"]))
            for email in Self.emails(contact) { keys.email(email) }
            for phone in contact?["phones"]?.asArray ?? [] { keys.phone(phone["phone"]?.asString) }
        default:
            return nil
        }
        var eventId = WebhookPayload.idText(event["id"])
        if let id = eventId, let updated = event["date_updated"]?.asString { eventId = id + "@" + updated }
        let occurredAt = event["date_created"]?.asString.flatMap { try? Date($0, strategy: .iso8601) }
        return try keys.event(eventId: eventId, occurredAt: occurredAt)
    }

    /// The addresses of a contact's `emails` list.
    private static func emails(_ contact: JSONValue?) -> [String] {
        (contact?["emails"]?.asArray ?? []).compactMap { $0["email"]?.asString }
    }

    /// The addresses of a contact's `emails` list that are marked `is_unsubscribed`, lower-cased.
    private static func unsubscribedEmails(_ contact: JSONValue?) -> Set<String> {
        var result: Set<String> = []
        for entry in contact?["emails"]?.asArray ?? [] where entry["is_unsubscribed"]?.asBool == true {
            if let email = entry["email"]?.asString { result.insert(email.lowercased()) }
        }
        return result
    }

    // MARK: Signing

    /// `close-sig-timestamp` (Unix seconds) and `close-sig-hash` for `body`.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        let timestamp = Signatures.unixSeconds(now)
        let signature = Signatures.hmacSHA256(key: Self.keyBytes(signatureKey) ?? [], Array(timestamp.utf8), body)
        return SignedRequest.json(
            url: url,
            .init("close-sig-timestamp", timestamp),
            .init("close-sig-hash", Signatures.hex(signature)))
    }
}
