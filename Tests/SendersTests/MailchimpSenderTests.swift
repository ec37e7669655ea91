import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("Mailchimp sender")
struct MailchimpSenderTests {
    private let now = Date(timeIntervalSince1970: 1_238_103_657)

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func sender() throws -> MailchimpSender {
        try MailchimpSender(name: "mailchimp", options: SenderOptions(#"{"token": "mc-token"}"#))
    }

    private func request(_ body: [UInt8], method: HTTPMethod = .post, query: String? = "token=mc-token") -> HTTPRequest
    {
        HTTPRequest(
            method: method, path: "/hooks/mailchimp", rawURI: "/hooks/mailchimp" + (query.map { "?" + $0 } ?? ""),
            headers: [.contentType: "application/x-www-form-urlencoded"], body: body)
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

    @Test("the documented unsubscribe is one opt-out of the member")
    func documentedExample() throws {
        let mailchimp = try sender()
        let signed = request(try fixture("mailchimp-unsubscribe.txt"))
        try mailchimp.authenticate(signed, now: now)
        let events = try mailchimp.decode(signed).events
        #expect(
            events.map { $0.keys.map(\.description) } == [["mailchimp:8a25ff1d98", "email:api+unsub@mailchimp.com"]])
        #expect(events.first?.eventId == "unsubscribe-8a25ff1d98-2009-03-26 21:40:57")
        #expect(events.first?.occurredAt == Date(timeIntervalSince1970: 1_238_103_657))
    }

    @Test("a cleaned address is an opt-out keyed by the address")
    func cleaned() throws {
        let events = try sender().decode(request(try fixture("mailchimp-cleaned.txt"))).events
        #expect(events.map { $0.keys.map(\.description) } == [["email:api+cleaned@mailchimp.com"]])
        #expect(events.first?.eventId == "cleaned-api+cleaned@mailchimp.com-2009-03-26 22:01:00")
    }

    @Test("profile updates and other types are ignored")
    func ignored() throws {
        #expect(try sender().decode(request(try fixture("mailchimp-profile.txt"))).events.isEmpty)
    }

    @Test("the validation GET with the token is answered 200; without it, 401")
    func validation() throws {
        let mailchimp = try sender()
        #expect(mailchimp.allowedMethods.contains(.get))
        #expect(mailchimp.allowedMethods.contains(.post))
        let get = request([], method: .get)
        #expect(refusal { try mailchimp.authenticate(get, now: now) } == nil)
        #expect(mailchimp.validationResponse(to: get)?.status == 200)
        #expect(try mailchimp.decode(get).events.isEmpty)
        #expect(mailchimp.validationResponse(to: request([], method: .head))?.status == 200)
        #expect(mailchimp.validationResponse(to: request(try fixture("mailchimp-unsubscribe.txt"))) == nil)
        #expect(refusal { try mailchimp.authenticate(request([], method: .get, query: nil), now: now) } == 401)
        #expect(
            refusal { try mailchimp.authenticate(request([], method: .get, query: "token=mc-tokeN"), now: now) } == 401
        )
    }

    @Test("a POST with a wrong or missing token is refused")
    func token() throws {
        let mailchimp = try sender()
        let body = try fixture("mailchimp-unsubscribe.txt")
        #expect(refusal { try mailchimp.authenticate(request(body, query: nil), now: now) } == 401)
        #expect(refusal { try mailchimp.authenticate(request(body, query: "token=mc-toke"), now: now) } == 401)
    }

    @Test("malformed payloads are bad requests", arguments: ["", "{}", "type=unsubscribe&data[list_id]=a6b5da1054"])
    func malformed(_ body: String) throws {
        let mailchimp = try sender()
        #expect(refusal { _ = try mailchimp.decode(request(Array(body.utf8))).throwingRefusal() } == 400)
    }

    @Test("sign appends the token, which authenticates")
    func signRoundTrip() throws {
        let mailchimp = try sender()
        let signed = try mailchimp.sign(
            body: [], url: "http://127.0.0.1:8080/hooks/mailchimp?x=1", now: now, privateKeyPEM: nil)
        #expect(signed.url == "http://127.0.0.1:8080/hooks/mailchimp?x=1&token=mc-token")
        let query = String(signed.url.split(separator: "?", maxSplits: 1)[1])
        #expect(refusal { try mailchimp.authenticate(request([], query: query), now: now) } == nil)
    }

    @Test(
        "configuration errors name the key",
        arguments: [
            ("{}", "missing required key 'token'")
        ])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try MailchimpSender(name: "mailchimp", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("an unsubscription that names no member is one invalid event, without an index")
    func unsubscriptionWithoutContact() throws {
        let decoded = try sender().decode(request(Array("type=unsubscribe&data[list_id]=a6b5da1054".utf8)))
        #expect(decoded.events.isEmpty)
        #expect(decoded.invalid.map(\.index) == [nil])
        #expect(decoded.invalid.first?.reason.contains("names no contact") == true)
    }
}
