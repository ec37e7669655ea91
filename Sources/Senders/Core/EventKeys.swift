import Foundation
import OptOutCore

/// Gathers a contact's keys from a payload, leniently: a value that does not normalise (a phone number in a local
/// format, say) is left out of the keys, and only an event with no usable key at all is invalid.
///
/// Every value offered is kept in ``identifiers`` exactly as sent, with the normalisation error's message as its
/// `problem` when it was left out, so that a dropped value still leaves a trace in the log and the journal.
public struct EventKeys {
    public let sender: String
    public let defaultCountryCode: String?
    public private(set) var keys: [ContactKey] = []
    /// The identifiers offered, as sent, in the order offered; each distinct one once.
    public private(set) var identifiers: [SentIdentifier] = []

    public init(sender: String, defaultCountryCode: String?) {
        self.sender = sender
        self.defaultCountryCode = defaultCountryCode
    }

    /// The sender's own id of the contact, namespaced as `{sender}:{id}`; blanks around it are not part of it.
    public mutating func crmId(_ id: String?) {
        offer(id, kind: sender) { [sender] (id) throws(ContactKeyError) in
            try ContactKey.crm(sender: sender, id: id.trimmingCharacters(in: .whitespaces))
        }
    }

    public mutating func email(_ address: String?) {
        offer(address, kind: "email") { (address) throws(ContactKeyError) in try ContactKey.email(address) }
    }

    public mutating func phone(_ number: String?) {
        offer(number, kind: "phone") { [defaultCountryCode] (number) throws(ContactKeyError) in
            try ContactKey.phone(number, defaultCountryCode: defaultCountryCode)
        }
    }

    /// The event, or why it cannot be one: the payload offered no identifier of the contact, or none that
    /// normalised (each one's problem is named).
    public func event(eventId: String?, occurredAt: Date? = nil) throws(InvalidEvent) -> OptOutEvent {
        guard !keys.isEmpty else {
            let reason =
                identifiers.isEmpty
                ? "the opt-out names no contact: no id, email or phone number was found"
                : "the opt-out names no usable contact: "
                    + identifiers.compactMap(\.problem).joined(separator: "; ")
            throw InvalidEvent(eventId: eventId, reason: reason, identifiers: identifiers)
        }
        return OptOutEvent(keys: keys, eventId: eventId, occurredAt: occurredAt, identifiers: identifiers)
    }

    /// Records `value` as sent and, when it normalises, its key; a missing or empty value was not offered.
    private mutating func offer(
        _ value: String?, kind: String, normalise: (String) throws(ContactKeyError) -> ContactKey
    ) {
        guard let value, !value.isEmpty else { return }
        var identifier = SentIdentifier(kind: kind, value: value)
        do throws(ContactKeyError) {
            let key = try normalise(value)
            if !keys.contains(key) { keys.append(key) }
        } catch {
            identifier.problem = error.message
        }
        if !identifiers.contains(identifier) { identifiers.append(identifier) }
    }
}
