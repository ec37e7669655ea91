import Crypto
import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("Intercom sender")
struct IntercomSenderTests {
    // Expected signatures were computed once with Python's hmac over the fixture files, not with the code under test.
    private let secret = "intercom-client-secret"
    private static let unsubscribedSignature = "sha1=16dd5a6564b414ae6bd97a5a2ea7867ef4ea4d63"

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func sender() throws -> IntercomSender {
        try IntercomSender(name: "intercom", options: SenderOptions(#"{"secret": "\#(secret)"}"#))
    }

    private func request(_ body: [UInt8], signature: String?) -> HTTPRequest {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signature { headers.add(name: "X-Hub-Signature", value: signature) }
        return HTTPRequest(method: .post, path: "/hooks/intercom", headers: headers, body: body)
    }

    /// The HTTP status of the refusal `work` throws, `nil` when it succeeds, and 0 for an error of another kind.
    private func refusal(_ work: () throws -> Void) -> Int? {
        do {
            try work()
            return nil
        } catch let error as WebhookError {
            return error.status
        } catch {
            return 0
        }
    }

    @Test("the documented contact.unsubscribed notification is one opt-out with the notification id")
    func documentedExample() throws {
        let intercom = try sender()
        let signed = request(
            try fixture("intercom-unsubscribed.json"), signature: IntercomSenderTests.unsubscribedSignature)
        try intercom.authenticate(signed, now: Date())
        let events = try intercom.decode(signed).events
        #expect(
            events.map { $0.keys.map(\.description) } == [["intercom:5f00", "email:a@b.com", "phone:+15551234567"]])
        #expect(events.first?.eventId == "notif_1")
        #expect(events.first?.occurredAt == Date(timeIntervalSince1970: 1_571_080_403))
    }

    @Test("an update of a contact that is unsubscribed from emails is an opt-out")
    func unsubscribedUpdate() throws {
        let intercom = try sender()
        let signed = request(
            try fixture("intercom-user-updated.json"), signature: "sha1=27850f97eb86287b258bc8e84937a5c98d3c4665")
        try intercom.authenticate(signed, now: Date())
        let events = try intercom.decode(signed).events
        #expect(events.map { $0.keys.map(\.description) } == [["intercom:5f01", "email:second@example.com"]])
        #expect(events.first?.eventId == "notif_2")
    }

    @Test("a contact creation is not an opt-out")
    func creation() throws {
        let intercom = try sender()
        let signed = request(
            try fixture("intercom-user-created.json"), signature: "sha1=c0790de0a5208d7f929907fe8a57f5185cdb05a5")
        try intercom.authenticate(signed, now: Date())
        #expect(try intercom.decode(signed).events.isEmpty)
    }

    @Test(
        "which topics are opt-outs",
        arguments: [
            ("contact.unsubscribed", false, true), ("user.unsubscribed", false, true),
            ("user.unsubscribed_from_sms", false, true), ("contact.user.updated", true, true),
            ("contact.lead.updated", true, true), ("contact.user.updated", false, false),
            ("contact.subscribed", true, false), ("contact.deleted", true, false), ("ping", false, false),
            ("conversation.user.created", true, false),
        ])
    func topics(_ topic: String, _ unsubscribedFromEmails: Bool, _ optOut: Bool) throws {
        let body = Array(
            #"""
            {"type":"notification_event","id":"n","topic":"\#(topic)","data":{"item":{"type":"contact","id":"c1",
             "email":"x@example.com","unsubscribed_from_emails":\#(unsubscribedFromEmails)}}}
            """#.utf8)
        #expect(try sender().decode(request(body, signature: nil)).events.count == (optOut ? 1 : 0))
    }

    @Test("an item that wraps the contact with its subscription types yields the contact")
    func wrappedContact() throws {
        let body = Array(
            #"""
            {"type":"notification_event","id":"n7","topic":"contact.unsubscribed","data":{"item":{
             "contact":{"type":"contact","id":"c7","email":"w@example.com"},
             "subscription_types":{"type":"list","data":[{"type":"subscription","id":"3"}]}}}}
            """#.utf8)
        let events = try sender().decode(request(body, signature: nil)).events
        #expect(events.map { $0.keys.map(\.description) } == [["intercom:c7", "email:w@example.com"]])
    }

    @Test("bad signatures, a tampered body and a missing header are refused")
    func refusals() throws {
        let intercom = try sender()
        var body = try fixture("intercom-unsubscribed.json")
        let good = IntercomSenderTests.unsubscribedSignature
        #expect(refusal { try intercom.authenticate(request(body, signature: nil), now: Date()) } == 401)
        #expect(
            refusal { try intercom.authenticate(request(body, signature: String(good.dropFirst(5))), now: Date()) }
                == 401)
        #expect(
            refusal {
                try intercom.authenticate(
                    request(body, signature: "sha1=27850f97eb86287b258bc8e84937a5c98d3c4665"), now: Date())
            } == 401)
        #expect(refusal { try intercom.authenticate(request(body, signature: "sha1=zz"), now: Date()) } == 401)
        body[20] ^= 0x01
        #expect(refusal { try intercom.authenticate(request(body, signature: good), now: Date()) } == 401)
    }

    @Test(
        "malformed payloads are bad requests",
        arguments: [
            "nope", "[]", #"{"id": "n"}"#, #"{"topic": "contact.unsubscribed", "data": {}}"#,
            #"{"topic": "contact.unsubscribed", "data": {"item": "x"}}"#,
            #"{"topic": "contact.unsubscribed", "data": {"item": {"type": "contact"}}}"#,
        ])
    func malformed(_ body: String) throws {
        let intercom = try sender()
        #expect(refusal { _ = try intercom.decode(request(Array(body.utf8), signature: nil)).throwingRefusal() } == 400)
    }

    @Test("sign's header authenticates and matches an HMAC-SHA1 computed with Crypto directly")
    func signRoundTrip() throws {
        let intercom = try sender()
        let body = try fixture("intercom-user-updated.json")
        let signed = try intercom.sign(
            body: body, url: "http://127.0.0.1/hooks/intercom", now: Date(), privateKeyPEM: nil)
        let header = try #require(signed.headers.first { $0.name == "X-Hub-Signature" }?.value)
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        #expect(header == "sha1=" + mac.map { String(format: "%02x", $0) }.joined())
        #expect(refusal { try intercom.authenticate(request(body, signature: header), now: Date()) } == nil)
    }

    @Test(
        "configuration errors name the key",
        arguments: [("{}", "missing required key 'secret'")])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try IntercomSender(name: "intercom", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("an unsubscription without data.item, or naming no contact, is one invalid event, without an index")
    func unsubscriptionWithoutContact() throws {
        let intercom = try sender()
        let noItem = Array(#"{"id": "n1", "topic": "contact.unsubscribed", "data": {}}"#.utf8)
        let withoutItem = try intercom.decode(request(noItem, signature: nil))
        #expect(withoutItem.events.isEmpty)
        #expect(withoutItem.invalid.map(\.index) == [nil])
        #expect(withoutItem.invalid.map(\.eventId) == ["n1"])
        #expect(withoutItem.invalid.first?.reason == "the contact.unsubscribed notification has no data.item object")

        let noContact = Array(#"{"id": "n2", "topic": "contact.unsubscribed", "data": {"item": {"email": "x"}}}"#.utf8)
        let withoutContact = try intercom.decode(request(noContact, signature: nil))
        #expect(withoutContact.invalid.map(\.eventId) == ["n2"])
        #expect(withoutContact.invalid.first?.identifiers.map(\.description) == ["email:x"])
    }
}
