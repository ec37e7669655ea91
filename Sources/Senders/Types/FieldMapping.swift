import Foundation
import JSON
import OptOutCore
import SenderSchema

/// Where a configured JSON sender (`standard`, `generic`) finds a contact's keys in each event, and which events
/// count as opt-outs.
///
/// Read from two configuration keys. `fields` maps `crmId`, `email`, `phone` and `eventId` to RFC 6901 JSON pointers
/// into each event; at least one of the first three is required, or no event could name a contact. `when` maps
/// pointers to the JSON value each must hold (compared structurally, so `1` matches `1.0`); an event that does not
/// match every condition is ignored rather than refused, since a sender often posts all its event kinds to one URL.
///
/// A body that is a JSON object is one event; an array is a list of events. Ids may be strings or numbers.
public struct FieldMapping: Sendable {
    /// The configuration keys this type reads.
    public static let optionKeys: [SenderOptionKey] = [
        .json("fields", required: true, hint: #"JSON pointers, e.g. {"email": "/data/email"}"#), .json("when"),
    ]
    static let fieldNames = ["crmId", "email", "phone", "eventId"]

    /// A pointer and the value it must designate.
    public struct Condition: Sendable {
        public var pointer: JSONPointer
        public var value: JSONValue
    }

    public private(set) var crmId: JSONPointer?
    public private(set) var email: JSONPointer?
    public private(set) var phone: JSONPointer?
    public private(set) var eventId: JSONPointer?
    public private(set) var conditions: [Condition] = []

    /// Reads `fields` (required) and `when` (optional), recording every problem in `options`; a missing `fields`
    /// was reported when the options were checked.
    public init(options: SenderOptions) {
        if let fields = options.value("fields") {
            if let members = fields.asObject {
                for member in members {
                    guard Self.fieldNames.contains(member.key) else {
                        let suggestion = Suggestion.closest(to: member.key, among: Self.fieldNames)
                        options.error(
                            "unknown field '\(member.key)' in 'fields'"
                                + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
                                + "; fields are \(Self.fieldNames.joined(separator: ", "))",
                            at: member.keyPosition)
                        continue
                    }
                    guard let pointer = Self.pointer(member.value, in: "fields.\(member.key)", options: options) else {
                        continue
                    }
                    switch member.key {
                    case "crmId": crmId = pointer
                    case "email": email = pointer
                    case "phone": phone = pointer
                    default: eventId = pointer
                    }
                }
                let named = members.contains { ["crmId", "email", "phone"].contains($0.key) }
                if !named {
                    options.error(
                        "'fields' must map at least one of crmId, email or phone to a JSON pointer, "
                            + #"e.g. {"email": "/data/email"}"#,
                        at: fields.position)
                }
            } else {
                options.error(
                    #"'fields' must be an object of JSON pointers, e.g. {"email": "/data/email"}"#, at: fields.position)
            }
        }
        if let when = options.value("when") {
            if let members = when.asObject {
                for member in members {
                    do {
                        conditions.append(Condition(pointer: try JSONPointer(member.key), value: member.value))
                    } catch {
                        options.error("'when' key: \(error)", at: member.keyPosition)
                    }
                }
            } else {
                options.error(
                    #"'when' must be an object of JSON pointer to required value, e.g. {"/event": "unsubscribe"}"#,
                    at: when.position)
            }
        }
    }

    private static func pointer(_ value: JSONValue, in key: String, options: SenderOptions) -> JSONPointer? {
        guard let text = value.asString else {
            options.error("'\(key)' must be a JSON pointer string such as \"/data/email\"", at: value.position)
            return nil
        }
        do {
            return try JSONPointer(text)
        } catch {
            options.error("'\(key)': \(error)", at: value.position)
            return nil
        }
    }

    // MARK: Decoding

    /// The events of `body`; those that do not match `when` are ignored.
    ///
    /// An element of a list that is not an object, or an event that names no usable contact, is invalid and the
    /// others are decoded.
    ///
    /// - Parameters:
    ///   - sender: the sender's name, the namespace of CRM ids.
    ///   - defaultEventId: the event id when `fields.eventId` is not configured or absent from an event; for a
    ///     list, `#index` is appended so that events of one delivery are not taken for duplicates of each other.
    /// - Throws: ``WebhookError`` when the body is not JSON, or neither an object nor an array.
    public func events(
        in body: [UInt8], sender: String, defaultCountryCode: String?, defaultEventId: String? = nil
    ) throws(WebhookError) -> DecodedEvents {
        let root = try WebhookPayload.json(body)
        switch root.kind {
        case .object:
            return DecodedEvents { () throws(InvalidEvent) in
                try event(root, sender: sender, defaultCountryCode: defaultCountryCode, defaultEventId: defaultEventId)
            }
        case .array(let elements):
            return DecodedEvents(batch: elements) { (index, element) throws(InvalidEvent) in
                let defaultId = defaultEventId.map { "\($0)#\(index)" }
                guard element.asObject != nil else {
                    throw InvalidEvent(eventId: defaultId, reason: "not a JSON object but \(element.kindDescription)")
                }
                return try event(
                    element, sender: sender, defaultCountryCode: defaultCountryCode, defaultEventId: defaultId)
            }
        default:
            throw .badRequest("expected a JSON object (one event) or an array of events, found \(root.kindDescription)")
        }
    }

    /// Whether `event` satisfies every `when` condition.
    public func matches(_ event: JSONValue) -> Bool {
        conditions.allSatisfy { event.at(pointer: $0.pointer) == $0.value }
    }

    private func event(
        _ element: JSONValue, sender: String, defaultCountryCode: String?, defaultEventId: String?
    ) throws(InvalidEvent) -> OptOutEvent? {
        guard matches(element) else { return nil }
        var keys = EventKeys(sender: sender, defaultCountryCode: defaultCountryCode)
        keys.crmId(WebhookPayload.idText(crmId.flatMap { element.at(pointer: $0) }))
        keys.email(WebhookPayload.idText(email.flatMap { element.at(pointer: $0) }))
        keys.phone(WebhookPayload.idText(phone.flatMap { element.at(pointer: $0) }))
        let id = WebhookPayload.idText(eventId.flatMap { element.at(pointer: $0) }) ?? defaultEventId
        return try keys.event(eventId: id)
    }

}
