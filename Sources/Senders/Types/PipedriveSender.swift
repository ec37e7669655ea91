import Foundation
import JSON
import MicroHTTP
import OptOutCore
import SenderSchema

/// Pipedrive webhooks, v2 (`meta.action` `create`/`change`/`delete`, `meta.entity`) and v1 (`{v: 1, meta: {action,
/// object, id}, current, previous}`), authenticated with HTTP Basic credentials set on the webhook.
///
/// A person is opted out when it is deleted (v2 `delete`, v1 `deleted`), when it is merged away (v2: a `delete` with
/// `merged_to_id`; v1: `merged` with `merge_what_id`), or when one of `optOutFields` (custom field keys) or
/// `marketing_status` becomes opted out: a custom field becomes truthy, or the status becomes `unsubscribed`.
/// "Becomes" compares with `previous`, so later edits of an already opted-out person are not new opt-outs; a person
/// created opted out counts. A merged-away person's email addresses and phone numbers now belong to the surviving
/// person, so its event carries only its CRM id.
///
/// Event ids: v2 `meta.id`; v1 has none, so `meta.id` (the person), the action and `meta.timestamp_micro`
/// (or `timestamp`) are joined, which Pipedrive's v1 retries repeat unchanged.
public struct PipedriveSender: WebhookSender {
    public static let type = "pipedrive"

    public let name: String
    /// `username:password`, as Basic credentials carry it.
    private let credentials: Secret
    private let optOutFields: [String]
    private let defaultCountryCode: String?

    public static let optionKeys: [SenderOptionKey] = [
        .string("username", required: true), .secret("password"), .strings("optOutFields"),
    ]

    public init(name: String, checked options: SenderOptions) {
        let username = options.requiredString("username")
        if username.contains(":") {
            options.error(
                "'username' must not contain ':', which HTTP Basic credentials cannot carry", about: "username")
        }
        self.name = name
        self.credentials = Secret(username + ":" + options.requiredSecret("password").reveal())
        self.optOutFields = options.strings("optOutFields") ?? []
        self.defaultCountryCode = options.defaultCountryCode
    }

    // MARK: Authentication

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        guard let header = request.headers["Authorization"] else {
            throw .unauthorized("Authorization is missing; set the webhook's HTTP auth username and password")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Signatures.unbase64(parts[1].trimmingCharacters(in: .whitespaces))
        else {
            throw .unauthorized("Authorization must be Basic credentials")
        }
        guard credentials.matches(String(decoding: decoded, as: UTF8.self)) else {
            throw .unauthorized("the Basic credentials do not match this sender's username and password")
        }
    }

    /// Adds the challenge that HTTP requires with a 401.
    public func respond(_ answer: WebhookAnswer) -> HTTPResponse {
        var response = answer.jsonResponse()
        if case .refused(let error) = answer, error.code == .unauthorized {
            response.headers[.wwwAuthenticate] = "Basic realm=\"optout-bridge\", charset=\"UTF-8\""
        }
        return response
    }

    // MARK: Decoding

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        let root = try WebhookPayload.json(request.body)
        guard root.asObject != nil, let meta = root["meta"], meta.asObject != nil else {
            throw .badRequest("expected a Pipedrive webhook: a JSON object with 'meta'")
        }
        let isVersion1 = root["v"]?.intValue == 1 || meta["v"]?.intValue == 1 || meta["object"] != nil
        if isVersion1 {
            guard let action = meta["action"]?.asString, let object = meta["object"]?.asString else {
                throw .badRequest("'meta' has no 'action' and 'object'")
            }
            return DecodedEvents { () throws(InvalidEvent) in
                try version1(root, meta: meta, action: action, object: object)
            }
        }
        guard let action = meta["action"]?.asString, let entity = meta["entity"]?.asString else {
            throw .badRequest("'meta' has no 'action' and 'entity'")
        }
        return DecodedEvents { () throws(InvalidEvent) in try version2(root, meta: meta, action: action, entity: entity)
        }
    }

    private func version2(
        _ root: JSONValue, meta: JSONValue, action: String, entity: String
    ) throws(InvalidEvent) -> OptOutEvent? {
        guard entity == "person" else { return nil }
        let data = Self.object(root["data"])
        let previous = Self.object(root["previous"])
        var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
        keys.crmId(
            WebhookPayload.idText(meta["entity_id"]) ?? WebhookPayload.idText(data?["id"])
                ?? WebhookPayload.idText(previous?["id"]))
        switch action {
        case "delete", "deleted":
            // A merge deletes the merged-away person; its addresses live on in the surviving one.
            if WebhookPayload.idText(meta["merged_to_id"] ?? data?["merged_to_id"] ?? previous?["merged_to_id"]) == nil
            {
                Self.addContacts(of: data ?? previous, emails: "emails", phones: "phones", to: &keys)
            }
        case "create", "change", "added", "updated":
            guard let data else { return nil }
            let optedOut = optOutFields.contains { field in
                became(
                    Self.isTruthy, current: data["custom_fields"]?[field], in: previous?["custom_fields"], key: field,
                    previousIsPartial: true, previousExists: previous != nil)
            }
            let unsubscribed = became(
                Self.isUnsubscribed, current: data["marketing_status"], in: previous, key: "marketing_status",
                previousIsPartial: true, previousExists: previous != nil)
            guard optedOut || unsubscribed else { return nil }
            Self.addContacts(of: data, emails: "emails", phones: "phones", to: &keys)
        default:
            return nil
        }
        return try keys.event(eventId: WebhookPayload.idText(meta["id"]), occurredAt: Self.date(meta["timestamp"]))
    }

    private func version1(
        _ root: JSONValue, meta: JSONValue, action: String, object: String
    ) throws(InvalidEvent) -> OptOutEvent? {
        guard object == "person" else { return nil }
        let current = Self.object(root["current"])
        let previous = Self.object(root["previous"])
        var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
        switch action {
        case "deleted", "delete":
            keys.crmId(
                WebhookPayload.idText(meta["id"]) ?? WebhookPayload.idText(previous?["id"])
                    ?? WebhookPayload.idText(current?["id"]))
            Self.addContacts(of: previous ?? current, emails: "email", phones: "phone", to: &keys)
        case "merged":
            // `current` is the surviving person; `merge_what_id` names the one merged into it.
            guard let mergedAway = WebhookPayload.idText(current?["merge_what_id"]) else { return nil }
            keys.crmId(mergedAway)
        case "added", "updated", "create", "change":
            guard let current else { return nil }
            let optedOut = optOutFields.contains { field in
                became(
                    Self.isTruthy, current: current[field], in: previous, key: field, previousIsPartial: false,
                    previousExists: previous != nil)
            }
            let unsubscribed = became(
                Self.isUnsubscribed, current: current["marketing_status"], in: previous, key: "marketing_status",
                previousIsPartial: false, previousExists: previous != nil)
            guard optedOut || unsubscribed else { return nil }
            keys.crmId(WebhookPayload.idText(meta["id"]) ?? WebhookPayload.idText(current["id"]))
            Self.addContacts(of: current, emails: "email", phones: "phone", to: &keys)
        default:
            return nil
        }
        var eventId: String?
        if let id = WebhookPayload.idText(meta["id"]),
            let stamp = WebhookPayload.idText(meta["timestamp_micro"] ?? meta["timestamp"])
        {
            eventId = "\(id)-\(action)-\(stamp)"
        }
        return try keys.event(eventId: eventId, occurredAt: Self.date(meta["timestamp"]))
    }

    /// Whether a field's value is opted out now and was not before.
    ///
    /// v2's `previous` holds only the fields that changed, so a field missing from it did not change; v1's holds
    /// the whole person, so a missing field was never set. No `previous` at all is a new person.
    private func became(
        _ optedOut: (JSONValue?) -> Bool, current: JSONValue?, in previous: JSONValue?, key: String,
        previousIsPartial: Bool, previousExists: Bool
    ) -> Bool {
        guard optedOut(current) else { return false }
        guard previousExists else { return true }
        guard let previous, previous.asObject != nil else { return !previousIsPartial }
        guard let before = previous[key] else { return !previousIsPartial }
        return !optedOut(before)
    }

    /// Adds the person's email addresses and phone numbers: arrays of `{value, primary, label}` or strings.
    private static func addContacts(of person: JSONValue?, emails: String, phones: String, to keys: inout EventKeys) {
        guard let person else { return }
        for value in values(person[emails]) { keys.email(value) }
        for value in values(person[phones]) { keys.phone(value) }
    }

    private static func values(_ field: JSONValue?) -> [String] {
        guard let field else { return [] }
        if let text = field.asString { return [text] }
        return (field.asArray ?? []).compactMap { $0.asString ?? $0["value"]?.asString }
    }

    /// A custom field's value is opted out when it is true, a non-zero number, a string other than an empty or
    /// negative one ("0", "false", "no", "off", "none", "null"), or an object or array holding such a value.
    static func isTruthy(_ value: JSONValue?) -> Bool {
        guard let value else { return false }
        switch value.kind {
        case .null:
            return false
        case .bool(let flag):
            return flag
        case .number:
            return value.doubleValue.map { $0 != 0 } ?? false
        case .string(let text):
            let word = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            return !["", "0", "false", "no", "n", "off", "none", "null"].contains(word)
        case .array(let elements):
            return elements.contains { isTruthy($0) }
        case .object:
            return isTruthy(value["value"])
        }
    }

    private static func isUnsubscribed(_ value: JSONValue?) -> Bool {
        value?.asString == "unsubscribed"
    }

    private static func object(_ value: JSONValue?) -> JSONValue? {
        guard let value, value.asObject != nil else { return nil }
        return value
    }

    /// v2 timestamps are ISO 8601 text, v1's Unix seconds.
    private static func date(_ value: JSONValue?) -> Date? {
        guard let value else { return nil }
        if let seconds = value.doubleValue { return Date(timeIntervalSince1970: seconds) }
        guard let text = value.asString else { return nil }
        return try? Date(text, strategy: .iso8601)
    }

    // MARK: Signing

    /// The `Authorization: Basic` header Pipedrive would send.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        SignedRequest(
            url: url,
            headers: [
                .init("Content-Type", "application/json"),
                .init("Authorization", "Basic " + Signatures.base64(Array(credentials.reveal().utf8))),
            ])
    }
}
