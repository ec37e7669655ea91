import Foundation
import JSON
import MicroHTTP
import OptOutCore
import SenderSchema

/// Zoho CRM notifications (the Notifications API's channels), authenticated by the channel's `token`, which Zoho
/// echoes in every body.
///
/// An `affected_values` entry whose `values` have one of `optOutFields` true is an opt-out of that record; the
/// channel must be watched with `return_affected_field_values: true` and the opt-out fields in its `fields`, or
/// Zoho sends no values to judge. A `delete` of Contacts or Leads is an opt-out of every id in `ids`. The event id
/// is `channel_id-server_time-record_id`. An entry of `ids` that is not a record id, or an `affected_values` entry
/// without `values` or without a usable contact, is invalid, and the other entries are decoded.
public struct ZohoSender: WebhookSender {
    public static let type = "zoho"

    public let name: String
    private let token: Secret
    private let optOutFields: [String]
    private let defaultCountryCode: String?

    /// Modules whose records are people, so that deleting one is an opt-out.
    private static let personModules: Set<String> = ["Contacts", "Leads"]

    public static let optionKeys: [SenderOptionKey] = [.secret("token"), .strings("optOutFields")]

    public init(name: String, checked options: SenderOptions) {
        let fields = options.strings("optOutFields") ?? ["Email_Opt_Out"]
        if fields.isEmpty {
            options.error("'optOutFields' must name at least one field", about: "optOutFields")
        }
        self.name = name
        self.token = options.requiredSecret("token")
        self.optOutFields = fields
        self.defaultCountryCode = options.defaultCountryCode
    }

    // MARK: Authentication

    public func authenticate(_ request: HTTPRequest, now: Date) throws(WebhookError) {
        let root = try Self.parse(request.body)
        guard let given = root["token"]?.asString else {
            throw .unauthorized("the notification carries no token; set the channel's token to this sender's token")
        }
        guard token.matches(given) else { throw .unauthorized("the notification's token does not match") }
    }

    // MARK: Decoding

    public func decode(_ request: HTTPRequest) throws(WebhookError) -> DecodedEvents {
        let root = try Self.parse(request.body)
        let channel = WebhookPayload.idText(root["channel_id"]) ?? ""
        let serverTime = WebhookPayload.idText(root["server_time"])
        let occurredAt = root["server_time"]?.doubleValue.map { Date(timeIntervalSince1970: $0 / 1000) }
        let eventId = { (record: String) -> String? in serverTime.map { "\(channel)-\($0)-\(record)" } }

        if root["operation"]?.asString?.lowercased() == "delete" {
            // A deletion of another module's records is one notification that is not an opt-out.
            guard let module = root["module"]?.asString, Self.personModules.contains(module) else {
                return DecodedEvents(ignored: 1)
            }
            guard let ids = root["ids"]?.asArray else { throw .badRequest("a delete notification must list 'ids'") }
            return DecodedEvents(batch: ids) { (_, element) throws(InvalidEvent) in
                guard let id = WebhookPayload.idText(element) else {
                    throw InvalidEvent(reason: "the entry of 'ids' is not a record id but \(element.kindDescription)")
                }
                var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
                keys.crmId(id)
                return try keys.event(eventId: eventId(id), occurredAt: occurredAt)
            }
        }

        guard let affected = root["affected_values"] else { return DecodedEvents(ignored: 1) }
        guard let entries = affected.asArray else { throw .badRequest("'affected_values' must be an array") }
        return DecodedEvents(batch: entries) { (_, entry) throws(InvalidEvent) in
            let record = WebhookPayload.idText(entry["record_id"])
            guard let values = entry["values"], values.asObject != nil else {
                throw InvalidEvent(
                    eventId: record.flatMap(eventId), reason: "the entry of 'affected_values' has no 'values' object")
            }
            guard optOutFields.contains(where: { Self.isTrue(values[$0]) }) else { return nil }
            var keys = EventKeys(sender: name, defaultCountryCode: defaultCountryCode)
            keys.crmId(record)
            keys.email(values["Email"]?.asString)
            keys.phone(values["Phone"]?.asString)
            keys.phone(values["Mobile"]?.asString)
            return try keys.event(eventId: record.flatMap(eventId), occurredAt: occurredAt)
        }
    }

    private static func parse(_ body: [UInt8]) throws(WebhookError) -> JSONValue {
        let root = try WebhookPayload.json(body)
        guard root.asObject != nil else { throw .badRequest("expected a Zoho CRM notification object") }
        return root
    }

    /// Zoho's Boolean fields are JSON Booleans; a string `"true"` is taken too.
    private static func isTrue(_ value: JSONValue?) -> Bool {
        guard let value else { return false }
        if let flag = value.asBool { return flag }
        return value.asString?.lowercased() == "true"
    }

    // MARK: Signing

    /// Zoho carries its token in the body, not in a header: checks that `body` has the right `token`.
    public func sign(body: [UInt8], url: String, now: Date, privateKeyPEM: String?) throws(WebhookError)
        -> SignedRequest
    {
        let root = try Self.parse(body)
        guard let given = root["token"]?.asString, token.matches(given) else {
            throw .badRequest(
                "a Zoho notification carries the token in its body: set its \"token\" member to the token")
        }
        return SignedRequest.json(url: url)
    }
}
