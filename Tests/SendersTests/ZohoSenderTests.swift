import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("Zoho sender")
struct ZohoSenderTests {
    private let now = Date(timeIntervalSince1970: 1_718_117_126)

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func sender(_ extra: String = "") throws -> ZohoSender {
        try ZohoSender(name: "zoho", options: SenderOptions(#"{"token": "TOKEN_FOR_VERIFICATION"\#(extra)}"#))
    }

    private func request(_ body: [UInt8]) -> HTTPRequest {
        HTTPRequest(method: .post, path: "/hooks/zoho", headers: [.contentType: "application/json"], body: body)
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

    @Test("the documented notification is one opt-out of its record")
    func documentedExample() throws {
        let zoho = try sender()
        let signed = request(try fixture("zoho-update.json"))
        try zoho.authenticate(signed, now: now)
        let events = try zoho.decode(signed).events
        #expect(events.map { $0.keys.map(\.description) } == [["zoho:5725767000003000064"]])
        #expect(events.first?.eventId == "1000000068001-1718117126473-5725767000003000064")
        #expect(events.first?.occurredAt == Date(timeIntervalSince1970: 1_718_117_126.473))
    }

    @Test("only records whose opt-out field is true are opt-outs, with the email and mobile sent along")
    func batch() throws {
        let events = try sender().decode(request(try fixture("zoho-batch.json"))).events
        #expect(
            events.map { $0.keys.map(\.description) } == [
                ["zoho:5725767000003000101", "email:lead.one@example.com", "phone:+15557778888"]
            ])
        #expect(events.first?.eventId == "1000000068002-1718117200000-5725767000003000101")
    }

    @Test("a delete of Contacts is an opt-out of every id; a delete of Deals is ignored")
    func deletes() throws {
        let zoho = try sender()
        let body = try fixture("zoho-delete.json")
        let events = try zoho.decode(request(body)).events
        #expect(
            events.map { $0.keys.map(\.description) } == [["zoho:5725767000003000201"], ["zoho:5725767000003000202"]])
        #expect(
            events.map(\.eventId) == [
                "1000000068003-1718117300000-5725767000003000201", "1000000068003-1718117300000-5725767000003000202",
            ])
        let deals = Array(
            String(decoding: body, as: UTF8.self).replacingOccurrences(of: "Contacts", with: "Deals").utf8)
        #expect(try zoho.decode(request(deals)).events.isEmpty)
    }

    @Test("optOutFields replaces the default field")
    func customFields() throws {
        let zoho = try sender(#", "optOutFields": ["Do_Not_Call"]"#)
        #expect(try zoho.decode(request(try fixture("zoho-update.json"))).events.isEmpty)
        let body = Array(
            #"""
            {"server_time":1,"module":"Leads","operation":"update","channel_id":"7","token":"TOKEN_FOR_VERIFICATION",
             "affected_values":[{"record_id":"42","values":{"Do_Not_Call":"true"}}]}
            """#.utf8)
        #expect(try zoho.decode(request(body)).events.map(\.eventId) == ["7-1-42"])
    }

    @Test("a notification without affected values is not an opt-out")
    func withoutValues() throws {
        let body = Array(
            #"{"server_time":1,"module":"Contacts","ids":["1"],"operation":"update","channel_id":"7","token":"x"}"#.utf8
        )
        #expect(try sender().decode(request(body)).events.isEmpty)
    }

    @Test("the echoed token must match")
    func token() throws {
        let zoho = try sender()
        let body = String(decoding: try fixture("zoho-update.json"), as: UTF8.self)
        for bad in [
            body.replacingOccurrences(of: "TOKEN_FOR_VERIFICATION", with: "TOKEN_FOR_VERIFICATIOn"),
            body.replacingOccurrences(of: #","token":"TOKEN_FOR_VERIFICATION""#, with: ""),
            body.replacingOccurrences(of: #""TOKEN_FOR_VERIFICATION""#, with: "1"),
        ] {
            #expect(refusal { try zoho.authenticate(request(Array(bad.utf8)), now: now) } == 401)
        }
        #expect(refusal { try zoho.authenticate(request(Array("{".utf8)), now: now) } == 400)
    }

    @Test(
        "malformed payloads are bad requests",
        arguments: [
            "nope", "[]", #"{"affected_values": {}}"#, #"{"affected_values": [{"record_id": "1"}]}"#,
            #"{"operation": "delete", "module": "Contacts"}"#,
            #"{"operation": "delete", "module": "Leads", "ids": [{}]}"#,
            #"{"affected_values": [{"values": {"Email_Opt_Out": true}}]}"#,
        ])
    func malformed(_ body: String) throws {
        let zoho = try sender()
        #expect(refusal { _ = try zoho.decode(request(Array(body.utf8))).throwingRefusal() } == 400)
    }

    @Test("sign checks that the body carries the token")
    func sign() throws {
        let zoho = try sender()
        let signed = try zoho.sign(
            body: try fixture("zoho-update.json"), url: "http://127.0.0.1:8080/hooks/zoho", now: now, privateKeyPEM: nil
        )
        #expect(signed.url == "http://127.0.0.1:8080/hooks/zoho")
        #expect(
            refusal {
                _ = try zoho.sign(body: Array(#"{"token":"other"}"#.utf8), url: "u", now: now, privateKeyPEM: nil)
            } == 400)
    }

    @Test(
        "configuration errors name the key",
        arguments: [
            ("{}", "missing required key 'token'"),
            (#"{"token": "t", "optOutFields": []}"#, "at least one"),
        ])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try ZohoSender(name: "zoho", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("a bad entry of ids or affected_values is invalid at its index, and the others are opt-outs")
    func oneBadEntryOfABatch() throws {
        let zoho = try sender()
        let deletion = Array(
            #"{"operation":"delete","module":"Leads","channel_id":"7","server_time":1,"ids":["41",{},"43"]}"#.utf8)
        let deleted = try zoho.decode(request(deletion))
        #expect(deleted.events.map(\.eventId) == ["7-1-41", "7-1-43"])
        #expect(deleted.invalid.map(\.index) == [1])
        #expect(deleted.invalid.first?.reason == "the entry of 'ids' is not a record id but an object")

        let update = Array(
            #"""
            {"channel_id":"7","server_time":1,"affected_values":[
             {"record_id":"51","values":{"Email_Opt_Out":true}},
             {"record_id":"52"},
             {"values":{"Email_Opt_Out":true,"Phone":"12"}},
             {"record_id":"54","values":{"Email_Opt_Out":false}},
             {"record_id":"55","values":{"Email_Opt_Out":true}}]}
            """#.utf8)
        let updated = try zoho.decode(request(update))
        #expect(updated.events.map(\.eventId) == ["7-1-51", "7-1-55"])
        #expect(updated.ignored == 1)
        #expect(updated.invalid.map(\.index) == [1, 2])
        #expect(updated.invalid.map(\.eventId) == ["7-1-52", nil])
        #expect(updated.invalid.first?.reason == "the entry of 'affected_values' has no 'values' object")
        #expect(updated.invalid.last?.identifiers.map(\.description) == ["phone:12"])
    }
}
