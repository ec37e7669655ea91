import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("Salesforce sender")
struct SalesforceSenderTests {
    private let now = Date(timeIntervalSince1970: 1_700_000_000)
    private static let soap = "http://schemas.xmlsoap.org/soap/envelope/"

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func sender(_ json: String = #"{"organizationIds": ["00D000000000062"]}"#) throws -> SalesforceSender {
        try SalesforceSender(name: "sf", options: SenderOptions(json))
    }

    private func request(_ body: [UInt8], query: String? = nil) -> HTTPRequest {
        HTTPRequest(
            method: .post, path: "/hooks/sf", rawURI: "/hooks/sf" + (query.map { "?" + $0 } ?? ""),
            headers: HTTPFields(["Content-Type": "text/xml; charset=utf-8", "SOAPAction": "\"\""]), body: body)
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

    /// A one-notification message of the documented shape with the given sObject fields.
    private func message(organization: String = "00D000000000062", fields: String) -> [UInt8] {
        Array(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>\
            <notifications xmlns="http://soap.sforce.com/2005/09/outbound">\
            <OrganizationId>\(organization)</OrganizationId><ActionId>04k000000000001</ActionId>\
            <Notification><Id>04l000000000009</Id>\
            <sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">\(fields)</sObject>\
            </Notification></notifications></soapenv:Body></soapenv:Envelope>
            """.utf8)
    }

    @Test("the documented outbound message is one opt-out with the contact's id, email and phone")
    func documentedExample() throws {
        let salesforce = try sender()
        let signed = request(try fixture("salesforce-outbound.xml"))
        try salesforce.authenticate(signed, now: now)
        let events = try salesforce.decode(signed).events
        #expect(events.count == 1)
        #expect(events.first?.keys.map(\.description) == ["sf:0035e00000Abcde", "email:a@b.com", "phone:+15551234567"])
        #expect(events.first?.eventId == "04l000000000001")
    }

    @Test("a batch: DoNotCall counts, both flags false (fax aside) does not, a notification without either does")
    func batch() throws {
        let salesforce = try sender(#"{"organizationIds": ["00D5e000000AbCd"]}"#)
        let signed = request(try fixture("salesforce-batch.xml"))
        try salesforce.authenticate(signed, now: now)
        let events = try salesforce.decode(signed).events
        #expect(
            events.map { $0.keys.map(\.description) } == [
                ["sf:0035e00000A0001AAA", "email:one@example.com", "phone:+442079460018"],
                ["sf:00Q5e00000A0003AAA", "email:three@example.com"],
            ])
        #expect(events.map(\.eventId) == ["04l5e00000A0001AAA", "04l5e00000A0003AAA"])
    }

    @Test(
        "OrganizationId is compared on its first 15 characters, case-sensitively",
        arguments: [
            ("00D5e000000AbCdEAK", true), ("00D5e000000AbCdXYZ", true), ("00D5e000000AbCd", true),
            ("00D5e000000ABCD", false), ("00D5e000000AbCe", false), ("00D000000000062", false),
        ])
    func organizationIds(_ configured: String, _ accepted: Bool) throws {
        let salesforce = try sender(#"{"organizationIds": ["\#(configured)"]}"#)
        let status = refusal { try salesforce.authenticate(request(try fixture("salesforce-batch.xml")), now: now) }
        #expect(status == (accepted ? nil : 401))
    }

    @Test("a configured token must come as ?token=")
    func token() throws {
        let salesforce = try sender(#"{"organizationIds": ["00D000000000062"], "token": "tok en/1"}"#)
        let body = try fixture("salesforce-outbound.xml")
        #expect(refusal { try salesforce.authenticate(request(body), now: now) } == 401)
        #expect(refusal { try salesforce.authenticate(request(body, query: "token=tok+en%2F2"), now: now) } == 401)
        #expect(refusal { try salesforce.authenticate(request(body, query: "token=tok+en%2F1"), now: now) } == nil)
        let signed = try salesforce.sign(
            body: body, url: "http://127.0.0.1:8080/hooks/sf", now: now, privateKeyPEM: nil)
        #expect(signed.url == "http://127.0.0.1:8080/hooks/sf?token=tok%20en%2F1")
        let query = String(signed.url.split(separator: "?", maxSplits: 1)[1])
        #expect(refusal { try salesforce.authenticate(request(body, query: query), now: now) } == nil)
    }

    @Test("a message without OrganizationId is unauthorized")
    func missingOrganization() throws {
        let body = Array(
            String(decoding: try fixture("salesforce-outbound.xml"), as: UTF8.self)
                .replacingOccurrences(of: "<OrganizationId>00D000000000062</OrganizationId>", with: "").utf8)
        let salesforce = try sender()
        #expect(refusal { try salesforce.authenticate(request(body), now: now) } == 401)
    }

    @Test("flags both false is not an opt-out; neither flag present is")
    func optOutRule() throws {
        let salesforce = try sender()
        let kept = message(
            fields: "<sf:Id>003A</sf:Id><sf:HasOptedOutOfEmail>false</sf:HasOptedOutOfEmail>"
                + "<sf:DoNotCall>false</sf:DoNotCall>")
        #expect(try salesforce.decode(request(kept)).events.isEmpty)
        let bare = message(fields: "<sf:Id>003B</sf:Id>")
        #expect(try salesforce.decode(request(bare)).events.map { $0.keys.map(\.description) } == [["sf:003B"]])
        let emailOnly = message(fields: "<sf:Id>003C</sf:Id><sf:HasOptedOutOfEmail>1</sf:HasOptedOutOfEmail>")
        #expect(try salesforce.decode(request(emailOnly)).events.count == 1)
    }

    @Test(
        "malformed messages are bad requests",
        arguments: [
            "not xml", #"{"json": true}"#,
            "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\">",
            "<Envelope/>",
            #"<!DOCTYPE x [<!ENTITY a "aaaa">]><soapenv:Envelope xmlns:soapenv="\#(SalesforceSenderTests.soap)"/>"#,
        ])
    func malformed(_ body: String) throws {
        let salesforce = try sender()
        #expect(refusal { _ = try salesforce.decode(request(Array(body.utf8))).throwingRefusal() } == 400)
        #expect(refusal { try salesforce.authenticate(request(Array(body.utf8)), now: now) } == 400)
    }

    @Test("an envelope without notifications, or a notification without sObject, is a bad request")
    func missingParts() throws {
        let salesforce = try sender()
        let empty = Array(
            #"<soapenv:Envelope xmlns:soapenv="\#(Self.soap)"><soapenv:Body/></soapenv:Envelope>"#
                .utf8)
        #expect(refusal { _ = try salesforce.decode(request(empty)).throwingRefusal() } == 400)
        let noObject = Array(
            String(decoding: message(fields: ""), as: UTF8.self)
                .replacingOccurrences(
                    of: #"<sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"></sObject>"#,
                    with: ""
                ).utf8)
        #expect(refusal { _ = try salesforce.decode(request(noObject)).throwingRefusal() } == 400)
        let whole = try fixture("salesforce-outbound.xml")
        let truncated = Array(whole[..<(whole.count - 40)])
        #expect(refusal { try salesforce.authenticate(request(truncated), now: now) } == nil)
        #expect(refusal { _ = try salesforce.decode(request(truncated)).throwingRefusal() } == 400)
    }

    @Test("journaled answers are the SOAP Ack; others are SOAP faults with the right status")
    func dialect() throws {
        let salesforce = try sender()
        let ack = #"<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack>"#
        for answer in [
            WebhookAnswer.handled(status: .queued, ids: ["op_1"], duplicate: false),
            .handled(status: .ignored, ids: [], duplicate: true), .unmapped(ids: ["op_2"]),
        ] {
            let response = salesforce.respond(answer)
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == "text/xml; charset=utf-8")
            #expect(String(decoding: response.body, as: UTF8.self).contains(ack))
        }
        let later = salesforce.respond(.retryLater(seconds: 7, problem: .journalUnavailable()))
        #expect(later.status == 500)
        #expect(later.headers["Retry-After"] == "7")
        #expect(String(decoding: later.body, as: UTF8.self).contains("<faultcode>soapenv:Server</faultcode>"))
        #expect(!String(decoding: later.body, as: UTF8.self).contains("<Ack>"))
        let unauthorized = salesforce.respond(.refused(.unauthorized("bad <org> & co")))
        #expect(unauthorized.status == 401)
        #expect(unauthorized.headers["Content-Type"] == "text/xml; charset=utf-8")
        #expect(
            String(decoding: unauthorized.body, as: UTF8.self).contains(
                "<faultstring>bad &lt;org&gt; &amp; co</faultstring>"))
        #expect(salesforce.respond(.refused(.badRequest("x"))).status == 400)
    }

    @Test(
        "configuration errors name the key",
        arguments: [
            ("{}", "missing required key 'organizationIds'"),
            (#"{"organizationIds": []}"#, "at least one"),
            (#"{"organizationIds": ["00D-bad"]}"#, "15 or 18 letters and digits"),
        ])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try SalesforceSender(name: "sf", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("a Notification without sObject or contact is invalid at its index, and the others are opt-outs")
    func oneBadNotificationOfAMessage() throws {
        let notification = { (id: String, object: String) in "<Notification><Id>\(id)</Id>\(object)</Notification>" }
        let sObject = { (fields: String) in
            #"<sObject xsi:type="sf:Contact" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">\#(fields)</sObject>"#
        }
        let body = Array(
            """
            <soapenv:Envelope xmlns:soapenv="\(Self.soap)" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
            <soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound">\
            <OrganizationId>00D000000000062</OrganizationId>\
            \(notification("n0", sObject("<sf:Id>003A</sf:Id>")))\
            \(notification("n1", ""))\
            \(notification("n2", sObject("<sf:Email>not-an-address</sf:Email>")))\
            \(notification("n3", sObject("<sf:Id>003D</sf:Id><sf:HasOptedOutOfEmail>true</sf:HasOptedOutOfEmail>")))\
            </notifications></soapenv:Body></soapenv:Envelope>
            """.utf8)
        let decoded = try sender().decode(request(body))
        #expect(decoded.events.map(\.eventId) == ["n0", "n3"])
        #expect(decoded.events.map { $0.keys.map(\.description) } == [["sf:003A"], ["sf:003D"]])
        #expect(decoded.invalid.map(\.index) == [1, 2])
        #expect(decoded.invalid.map(\.eventId) == ["n1", "n2"])
        #expect(decoded.invalid.first?.reason == "the Notification has no sObject")
        #expect(decoded.invalid.last?.identifiers.map(\.description) == ["email:not-an-address"])
        #expect(decoded.invalid.last?.reason.contains("'not-an-address' is not an email address") == true)
    }
}
