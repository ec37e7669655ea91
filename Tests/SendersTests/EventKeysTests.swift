import OptOutCore
import Senders
import Testing

@Suite("Event keys")
struct EventKeysTests {
    @Test("a local phone number without a default country code is kept as sent, with the reason it is no key")
    func droppedPhoneIsKeptAsSent() throws {
        var keys = EventKeys(sender: "crm", defaultCountryCode: nil)
        keys.crmId(" 42 ")
        keys.email("Jane.Doe@Example.com")
        keys.phone("(555) 123-4567")
        let event = try keys.event(eventId: "e1")

        #expect(event.keys.map(\.description) == ["crm:42", "email:jane.doe@example.com"])
        #expect(
            event.identifiers.map(\.description) == ["crm: 42 ", "email:Jane.Doe@Example.com", "phone:(555) 123-4567"])
        #expect(event.identifiers.prefix(2).allSatisfy { $0.problem == nil })
        let phone = try #require(event.identifiers.last)
        #expect(phone.kind == "phone")
        #expect(phone.problem?.contains("has no country code") == true, "\(phone.problem ?? "nil")")
    }

    @Test("the same number with a default country code becomes a key and has no problem")
    func completedPhoneIsAKey() throws {
        var keys = EventKeys(sender: "crm", defaultCountryCode: "+1")
        keys.phone("(555) 123-4567")
        let event = try keys.event(eventId: nil)
        #expect(event.keys.map(\.description) == ["phone:+15551234567"])
        #expect(event.identifiers == [SentIdentifier(kind: "phone", value: "(555) 123-4567")])
    }

    @Test("missing and empty values are not identifiers; a value offered twice is kept once")
    func onlyOfferedValuesAreRecorded() throws {
        var keys = EventKeys(sender: "crm", defaultCountryCode: nil)
        keys.crmId(nil)
        keys.email("")
        keys.email("a@b.com")
        keys.email("a@b.com")
        keys.phone(nil)
        #expect(keys.identifiers == [SentIdentifier(kind: "email", value: "a@b.com")])
        #expect(keys.keys.map(\.description) == ["email:a@b.com"])
    }
}
