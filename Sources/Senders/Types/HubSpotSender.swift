import Foundation
import JSON
import MicroHTTP
import OptOutCore
import SenderSchema

/// HubSpot: Webhooks API event arrays and workflow webhooks.
///
/// Authentication is `X-HubSpot-Signature-v3` (base64 HMAC-SHA256 over method, URI, body and the millisecond
/// timestamp, with a 5-minute window); the URI is the configured `publicURL` plus the request's raw query, because a
/// proxy in front may change host and scheme. The older v1 and v2 schemes (hex SHA-256 of the secret and the
/// request, chosen by `X-HubSpot-Signature-Version`) cover no timestamp, so a captured request stays valid for
/// ever: they are refused unless `allowLegacySignatures` is true, for workflow webhooks that send nothing else.
/// Then a replay is caught only by the journal's event id, within `journal.retentionDays`; a request timestamp
/// beside a legacy signature is not checked, since nothing signs it.
///
/// A Webhooks API array yields one event per opt-out in it: `contact.propertyChange` of a property in
/// `optOutProperties` to `true`, `contact.deletion` and `contact.privacyDeletion` (and their generic
/// `object.*` forms for contacts, object type `0-1`). The event id joins `eventId`, `occurredAt` and `objectId`,
/// since HubSpot does not promise that `eventId` alone is unique. A workflow webhook (one JSON object of the
/// contact) is an opt-out when one of `optOutProperties` in it is true. An event without those ids, and every
/// workflow webhook, is named by the digest of the signed body (``DecodedEvents/bodyDigest(_:)``), so that the
/// same body sent again is a duplicate.
///
/// An element of the array that is not an object, has no `subscriptionType`, or is an opt-out without a usable
/// `objectId` is invalid, and the rest of the array is decoded.
public struct HubSpotSender: WebhookSender {
    public static let type = "hubspot"

    public let name: String
    private let secret: Secret
    private let publicURL: String
    private let optOutProperties: [String]
    /// Whether v1 and v2 signatures, which have no replay window, are accepted without a v3 one.
    private let allowLegacySignatures: Bool
    private let defaultCountryCode: String?

    public static let optionKeys: [SenderOptionKey] = [
        .secret("secret"), PublicURL.key, .strings("optOutProperties"), .bool("allowLegacySignatures"),
    ]

    public init(name: String, checked options: SenderOptions) {
        let publicURL = PublicURL.read(options, sender: name, whose: "that HubSpot calls")
        let properties = options.strings("optOutProperties") ?? ["hs_email_optout"]
        if properties.isEmpty {
            options.error("'optOutProperties' must name at least one contact property", about: "optOutProperties")
        }
        self.name = name
        self.secret = options.requiredSecret("secret")
        self.publicURL = publicURL
        self.optOutProperties = properties
        self.allowLegacySignatures = options.bool("allowLegacySignatures") ?? false
        self.defaultCountryCode = options.defaultCountryCode
    }

    // MARK: Authentication

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        let key = Array(secret.reveal().utf8)
        if let signature = request.headers["X-HubSpot-Signature-v3"] {
            guard let timestamp = request.headers["X-HubSpot-Request-Timestamp"] else {
                throw .unauthorized("X-HubSpot-Request-Timestamp is missing")
            }
            guard let milliseconds = Int64(timestamp), Signatures.isFresh(Double(milliseconds) / 1000, now: now) else {
                throw .unauthorized(
                    "X-HubSpot-Request-Timestamp is not a time in milliseconds within 5 minutes of the server's clock")
            }
            let uri = Self.decodeReserved(PublicURL.signed(publicURL, query: request.query))
            let expected = Signatures.hmacSHA256(
                key: key, Array(request.method.rawValue.utf8), Array(uri.utf8), request.body, Array(timestamp.utf8))
            guard let given = Signatures.unbase64(signature), Signatures.constantTimeEqual(given, expected) else {
                throw .unauthorized(
                    "X-HubSpot-Signature-v3 does not match; check the app's client secret and that publicURL is the "
                        + "URL HubSpot calls")
            }
            return
        }
        if let signature = request.headers["X-HubSpot-Signature"] {
            guard allowLegacySignatures else {
                throw .unauthorized(
                    "X-HubSpot-Signature-v3 is missing; a v1 or v2 X-HubSpot-Signature has no replay window and is "
                        + "accepted only with the sender's allowLegacySignatures")
            }
            let expected: [UInt8]
            switch request.headers["X-HubSpot-Signature-Version"]?.lowercased() {
            case "v1":
                expected = Signatures.sha256(key, request.body)
            case "v2":
                let uri = PublicURL.signed(publicURL, query: request.query)
                expected = Signatures.sha256(key, Array(request.method.rawValue.utf8), Array(uri.utf8), request.body)
            default:
                throw .unauthorized("X-HubSpot-Signature-Version must be v1 or v2 with X-HubSpot-Signature")
            }
            guard let given = Signatures.unhex(signature), Signatures.constantTimeEqual(given, expected) else {
                throw .unauthorized("X-HubSpot-Signature does not match; check the app's client secret")
            }
            return
        }
        throw .unauthorized("X-HubSpot-Signature-v3 is missing")
    }

    /// Decodes the escapes that HubSpot decodes before signing a v3 URI, and no others.
    static func decodeReserved(_ uri: String) -> String {
        let utf8 = Array(uri.utf8)
        guard utf8.contains(UInt8(ascii: "%")) else { return uri }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
                let decoded = reservedCharacter(high: utf8[index + 1], low: utf8[index + 2])
            {
                out.append(decoded)
                index += 3
            } else {
                out.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The character of `%HL` when it is one of `: / ? @ ! $ ' ( ) * , ;`.
    private static func reservedCharacter(high: UInt8, low: UInt8) -> UInt8? {
        guard let pair = Signatures.unhex(String(decoding: [high, low], as: UTF8.self)), let byte = pair.first else {
            return nil
        }
        return Array(":/?@!$'()*,;".utf8).contains(byte) ? byte : nil
    }

    // MARK: Decoding

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        let root = try WebhookPayload.json(request.body)
        switch root.kind {
        case .array(let elements):
            return DecodedEvents(batch: elements, signedBody: request.body) { (_, element) throws(InvalidEvent) in
                try apiEvent(element)
            }
        case .object:
            return DecodedEvents(signedBody: request.body) { () throws(InvalidEvent) in try workflowEvent(root) }
        default:
            throw .badRequest("expected a JSON array of Webhooks API events or a workflow webhook object")
        }
    }

    /// One Webhooks API event, or `nil` when it is not an opt-out.
    private func apiEvent(_ element: JSONValue) throws(InvalidEvent) -> OptOutEvent? {
        guard element.asObject != nil else {
            throw InvalidEvent(reason: "not a JSON object but \(element.kindDescription)")
        }
        let sentEventId = WebhookPayload.idText(element["eventId"])
        // `eventType` is the name older samples give `subscriptionType`.
        guard let subscription = (element["subscriptionType"] ?? element["eventType"])?.asString else {
            throw InvalidEvent(eventId: sentEventId, reason: "the event has no subscriptionType")
        }
        var kind = subscription
        if subscription.hasPrefix("object.") {
            // Generic object subscriptions name the object type; only contacts (0-1) hold opt-outs.
            guard WebhookPayload.idText(element["objectTypeId"]) == "0-1" else { return nil }
            kind = "contact." + subscription.dropFirst("object.".count)
        }
        switch kind {
        case "contact.deletion", "contact.privacyDeletion":
            break
        case "contact.propertyChange":
            guard let property = element["propertyName"]?.asString, optOutProperties.contains(property),
                Self.isTrue(element["propertyValue"])
            else { return nil }
        default:
            return nil
        }
        let objectId = WebhookPayload.idText(element["objectId"])
        var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
        keys.crmId(objectId)
        var eventId: String?
        if let id = sentEventId, let occurred = WebhookPayload.idText(element["occurredAt"]), let objectId {
            eventId = "\(id)-\(occurred)-\(objectId)"
        }
        let occurredAt = element["occurredAt"]?.doubleValue.map { Date(timeIntervalSince1970: $0 / 1000) }
        do throws(InvalidEvent) {
            return try keys.event(eventId: eventId, occurredAt: occurredAt)
        } catch {
            // Without the contact's id, the joined id cannot be made: HubSpot's own id still names the event.
            var invalid = error
            invalid.eventId = eventId ?? sentEventId
            throw invalid
        }
    }

    /// A workflow webhook: the contact's object, opted out when one of `optOutProperties` is true.
    private func workflowEvent(_ root: JSONValue) throws(InvalidEvent) -> OptOutEvent? {
        let properties = root["properties"].flatMap { $0.asObject == nil ? nil : $0 } ?? root
        guard optOutProperties.contains(where: { Self.isTrue(Self.unwrap(properties[$0])) }) else { return nil }
        var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
        keys.crmId(
            WebhookPayload.idText(root["objectId"] ?? root["vid"] ?? root["canonical-vid"])
                ?? WebhookPayload.idText(Self.unwrap(properties["hs_object_id"])))
        keys.email(Self.unwrap(properties["email"])?.asString)
        keys.phone(Self.unwrap(properties["phone"])?.asString)
        keys.phone(Self.unwrap(properties["mobilephone"])?.asString)
        return try keys.event(eventId: nil)
    }

    /// A property's value: workflow payloads may wrap it as `{"value": …}`.
    private static func unwrap(_ value: JSONValue?) -> JSONValue? {
        guard let value, value.asObject != nil else { return value }
        return value["value"]
    }

    /// `true`, or the string `"true"` in any case, as HubSpot writes Boolean properties.
    private static func isTrue(_ value: JSONValue?) -> Bool {
        guard let value else { return false }
        if let flag = value.asBool { return flag }
        guard let text = value.asString else { return false }
        return text.trimmingCharacters(in: .whitespaces).lowercased() == "true"
    }

    // MARK: Signing

    /// Headers of a v3 signature for a POST of `body`; the URI signed is `publicURL` with `url`'s query.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        let timestamp = String(Int64((now.timeIntervalSince1970 * 1000).rounded(.down)))
        let uri = Self.decodeReserved(PublicURL.signed(publicURL, query: PublicURL.query(of: url)))
        let signature = Signatures.hmacSHA256(
            key: Array(secret.reveal().utf8), Array("POST".utf8), Array(uri.utf8), body, Array(timestamp.utf8))
        return SignedRequest(
            url: url,
            headers: [
                .init("Content-Type", "application/json"),
                .init("X-HubSpot-Signature-v3", Signatures.base64(signature)),
                .init("X-HubSpot-Request-Timestamp", timestamp),
            ])
    }
}
