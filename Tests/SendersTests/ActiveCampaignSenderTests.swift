import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("ActiveCampaign sender")
struct ActiveCampaignSenderTests {
    private let now = Date(timeIntervalSince1970: 1_714_575_600)

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func sender() throws -> ActiveCampaignSender {
        try ActiveCampaignSender(name: "ac", options: SenderOptions(#"{"token": "ac-token+/="}"#))
    }

    private func request(_ body: [UInt8], query: String? = "token=ac-token%2B%2F%3D") -> HTTPRequest {
        HTTPRequest(
            method: .post, path: "/hooks/ac", rawURI: "/hooks/ac" + (query.map { "?" + $0 } ?? ""),
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

    @Test("the documented unsubscribe is one opt-out with id, email and phone")
    func documentedExample() throws {
        let activeCampaign = try sender()
        let signed = request(try fixture("activecampaign-unsubscribe.txt"))
        try activeCampaign.authenticate(signed, now: now)
        let events = try activeCampaign.decode(signed).events
        #expect(events.map { $0.keys.map(\.description) } == [["ac:123", "email:a@b.com", "phone:+15551234567"]])
        #expect(events.first?.eventId == "unsubscribe-123-2024-05-01T10:00:00-05:00")
        #expect(events.first?.occurredAt == Date(timeIntervalSince1970: 1_714_575_600))
    }

    @Test("other types are ignored")
    func otherTypes() throws {
        #expect(try sender().decode(request(try fixture("activecampaign-subscribe.txt"))).events.isEmpty)
    }

    @Test(
        "the URL's token is checked",
        arguments: [nil, "token=ac-token", "token=ac-token%2B%2F%3D%3D", "tok=ac-token%2B%2F%3D", "token="])
    func token(_ query: String?) throws {
        let activeCampaign = try sender()
        let body = try fixture("activecampaign-unsubscribe.txt")
        #expect(refusal { try activeCampaign.authenticate(request(body, query: query), now: now) } == 401)
    }

    @Test(
        "malformed payloads are bad requests",
        arguments: ["", "{\"type\":\"unsubscribe\"}", "type=unsubscribe", "type=unsubscribe&contact[phone]=12"])
    func malformed(_ body: String) throws {
        let activeCampaign = try sender()
        #expect(refusal { _ = try activeCampaign.decode(request(Array(body.utf8))).throwingRefusal() } == 400)
    }

    @Test("sign appends the encoded token, which authenticates")
    func signRoundTrip() throws {
        let activeCampaign = try sender()
        let body = try fixture("activecampaign-unsubscribe.txt")
        let signed = try activeCampaign.sign(
            body: body, url: "http://127.0.0.1:8080/hooks/ac", now: now, privateKeyPEM: nil)
        #expect(signed.url == "http://127.0.0.1:8080/hooks/ac?token=ac-token%2B%2F%3D")
        let query = String(signed.url.split(separator: "?", maxSplits: 1)[1])
        #expect(refusal { try activeCampaign.authenticate(request(body, query: query), now: now) } == nil)
    }

    @Test(
        "configuration errors name the key",
        arguments: [
            ("{}", "missing required key 'token'")
        ])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try ActiveCampaignSender(name: "ac", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("an unsubscription whose only phone number has no country code is one invalid event, kept as sent")
    func unsubscriptionWithoutContact() throws {
        let body = Array("type=unsubscribe&date_time=2024-05-01&contact[phone]=555-1234".utf8)
        let decoded = try sender().decode(request(body))
        #expect(decoded.events.isEmpty)
        let invalid = try #require(decoded.invalid.first)
        #expect(decoded.invalid.count == 1)
        #expect(invalid.index == nil)
        #expect(invalid.identifiers.map(\.description) == ["phone:555-1234"])
        #expect(invalid.identifiers.first?.problem?.contains("has no country code") == true)
        #expect(decoded.refusal?.status == 400)
    }
}
