import Foundation
import OptOutCore

/// Gathers a contact's keys from a payload, leniently: a value that does not normalise (a phone number in a local
/// format, say) is left out, and only an event with no usable key at all is an error.
public struct EventKeys {
    public let sender: String
    public let defaultCountryCode: String?
    public private(set) var keys: [ContactKey] = []

    public init(sender: String, defaultCountryCode: String?) {
        self.sender = sender
        self.defaultCountryCode = defaultCountryCode
    }

    /// The sender's own id of the contact, namespaced as `{sender}:{id}`.
    public mutating func crmId(_ id: String?) {
        guard let id = id?.trimmingCharacters(in: .whitespaces), !id.isEmpty,
            let key = try? ContactKey.crm(sender: sender, id: id)
        else { return }
        add(key)
    }

    public mutating func email(_ address: String?) {
        guard let address, let key = try? ContactKey.email(address) else { return }
        add(key)
    }

    public mutating func phone(_ number: String?) {
        guard let number, let key = try? ContactKey.phone(number, defaultCountryCode: defaultCountryCode) else {
            return
        }
        add(key)
    }

    /// The event; 400 when the payload carried no identifier of the contact.
    public func event(eventId: String?, occurredAt: Date? = nil) throws(WebhookError) -> OptOutEvent {
        guard !keys.isEmpty else {
            throw .badRequest("the opt-out names no contact: no id, email or phone number was found")
        }
        return OptOutEvent(keys: keys, eventId: eventId, occurredAt: occurredAt)
    }

    private mutating func add(_ key: ContactKey) {
        if !keys.contains(key) { keys.append(key) }
    }
}
