import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("HubSpot sender")
struct HubSpotSenderTests {
    // Expected signatures were computed once with Python's hmac/hashlib over the fixture files, not with the code
    // under test.
    private let secret = "hubspot-client-secret-1234"
    private let publicURL = "https://bridge.example.com/hooks/hubspot"
    private static let timestamp = "1700000000000"
    private let signedAt = Date(timeIntervalSince1970: 1_700_000_000)

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func sender(_ extra: String = "") throws -> HubSpotSender {
        try HubSpotSender(
            name: "hubspot",
            options: SenderOptions(#"{"secret": "\#(secret)", "publicURL": "\#(publicURL)"\#(extra)}"#))
    }

    private func request(
        _ body: [UInt8], query: String? = nil, headers: HTTPFields, method: HTTPMethod = .post
    ) -> HTTPRequest {
        HTTPRequest(
            method: method, path: "/hooks/hubspot", rawURI: "/hooks/hubspot" + (query.map { "?" + $0 } ?? ""),
            headers: headers, body: body)
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

    private func v3(_ signature: String, timestamp: String = Self.timestamp) -> HTTPFields {
        HTTPFields(
            ["X-HubSpot-Signature-v3": signature, "X-HubSpot-Request-Timestamp": timestamp, "Host": "evil.example"])
    }

    @Test("the documented example, signed v3 over publicURL and a query with escapes, is one opt-out")
    func documentedExample() throws {
        let body = try fixture("hubspot-property-change.json")
        // The query's %2F and %3F are decoded before signing, %3D and %26 are not.
        let query = "portal=33&next=%2Fback%3Fa%3D1%26b%3D2"
        let signed = request(body, query: query, headers: v3("6uGOggcqRrREGzG3kIJwZSqH9qZYOGkbZd7Vw+T0eT0="))
        let hubspot = try sender()
        try hubspot.authenticate(signed, now: signedAt)
        let events = try hubspot.decode(signed).events
        #expect(events.count == 1)
        #expect(events.first?.keys.map(\.description) == ["hubspot:1246965"])
        #expect(events.first?.eventId == "3816279340-1462216307945-1246965")
        #expect(events.first?.occurredAt == Date(timeIntervalSince1970: 1_462_216_307.945))
    }

    @Test("a batch yields one event per opt-out, deletion and privacy deletion, and skips the rest")
    func batch() throws {
        let body = try fixture("hubspot-batch.json")
        let signed = request(body, headers: v3("TaB4ZJIGm9Tw00XQtuR9qbVoh10h8J9SPrcUBy/wuvk="))
        let hubspot = try sender()
        try hubspot.authenticate(signed, now: signedAt)
        let events = try hubspot.decode(signed).events
        #expect(
            events.map { $0.keys.map(\.description) } == [
                ["hubspot:101"], ["hubspot:104"], ["hubspot:105"], ["hubspot:107"], ["hubspot:109"],
            ])
        #expect(
            events.map(\.eventId) == [
                "1-1700000000001-101", "4-1700000000004-104", "5-1700000000005-105", "7-1700000000007-107",
                "9-1700000000009-109",
            ])
    }

    @Test("optOutProperties replaces the default property")
    func customProperties() throws {
        let hubspot = try sender(#", "optOutProperties": ["do_not_call"]"#)
        let body = Array(
            #"""
            [{"objectId":1,"propertyName":"hs_email_optout","propertyValue":"true","eventId":1,"occurredAt":2,
              "subscriptionType":"contact.propertyChange"},
             {"objectId":2,"propertyName":"do_not_call","propertyValue":"true","eventId":3,"occurredAt":4,
              "subscriptionType":"contact.propertyChange"}]
            """#.utf8)
        let events = try hubspot.decode(request(body, headers: [:])).events
        #expect(events.map { $0.keys.map(\.description) } == [["hubspot:2"]])
    }

    @Test(
        "bad v3 signatures are refused",
        arguments: [
            ("wrong signature", "TaB4ZJIGm9Tw00XQtuR9qbVoh10h8J9SPrcUBy/wuvk=", HubSpotSenderTests.timestamp, 0.0),
            ("not base64", "%%%", HubSpotSenderTests.timestamp, 0.0),
            ("stale timestamp", "6uGOggcqRrREGzG3kIJwZSqH9qZYOGkbZd7Vw+T0eT0=", HubSpotSenderTests.timestamp, 301.0),
            ("future timestamp", "6uGOggcqRrREGzG3kIJwZSqH9qZYOGkbZd7Vw+T0eT0=", HubSpotSenderTests.timestamp, -301.0),
            ("timestamp in seconds", "6uGOggcqRrREGzG3kIJwZSqH9qZYOGkbZd7Vw+T0eT0=", "1700000000", 0.0),
        ])
    func badSignature(_ label: String, _ signature: String, _ stamp: String, _ skew: Double) throws {
        let body = try fixture("hubspot-property-change.json")
        let signed = request(
            body, query: "portal=33&next=%2Fback%3Fa%3D1%26b%3D2", headers: v3(signature, timestamp: stamp))
        let hubspot = try sender()
        #expect(refusal { try hubspot.authenticate(signed, now: signedAt.addingTimeInterval(skew)) } == 401, "\(label)")
    }

    @Test("a tampered body, a changed query, a missing header or another publicURL fail v3")
    func tampering() throws {
        var body = try fixture("hubspot-property-change.json")
        let good = v3("6uGOggcqRrREGzG3kIJwZSqH9qZYOGkbZd7Vw+T0eT0=")
        let query = "portal=33&next=%2Fback%3Fa%3D1%26b%3D2"
        let hubspot = try sender()
        try hubspot.authenticate(request(body, query: query, headers: good), now: signedAt)
        #expect(throws: WebhookError.unauthorized("X-HubSpot-Signature-v3 is missing")) {
            try hubspot.authenticate(request(body, query: query, headers: [:]), now: signedAt)
        }
        let noTimestamp = HTTPFields(["X-HubSpot-Signature-v3": "6uGOggcqRrREGzG3kIJwZSqH9qZYOGkbZd7Vw+T0eT0="])
        #expect(
            refusal { try hubspot.authenticate(request(body, query: query, headers: noTimestamp), now: signedAt) }
                == 401)
        #expect(
            refusal { try hubspot.authenticate(request(body, query: "portal=34", headers: good), now: signedAt) } == 401
        )
        let other = try HubSpotSender(
            name: "hubspot",
            options: SenderOptions(#"{"secret": "\#(secret)", "publicURL": "https://other.example.com/hooks/hubspot"}"#)
        )
        #expect(refusal { try other.authenticate(request(body, query: query, headers: good), now: signedAt) } == 401)
        body[body.count / 2] ^= 0x01
        #expect(refusal { try hubspot.authenticate(request(body, query: query, headers: good), now: signedAt) } == 401)
    }

    @Test("v1 and v2 signatures of a workflow webhook are accepted with allowLegacySignatures")
    func legacySignatures() throws {
        let body = try fixture("hubspot-workflow.json")
        let hubspot = try sender(#", "allowLegacySignatures": true"#)
        let v1 = HTTPFields([
            "X-HubSpot-Signature": "d72083a52500c4a32a7b122c713033b09ffb8391f8350099afc69b03b4eae7d3",
            "X-HubSpot-Signature-Version": "v1",
        ])
        try hubspot.authenticate(request(body, headers: v1), now: signedAt)
        let v2 = HTTPFields([
            "X-HubSpot-Signature": "10CDB0059BAC573B33D87BE034C0A31CF679FF8EBCAA76A2E5C209F0DD06BC6E",
            "X-HubSpot-Signature-Version": "v2",
        ])
        try hubspot.authenticate(request(body, headers: v2), now: signedAt)
        let swapped = HTTPFields([
            "X-HubSpot-Signature": "d72083a52500c4a32a7b122c713033b09ffb8391f8350099afc69b03b4eae7d3",
            "X-HubSpot-Signature-Version": "v2",
        ])
        #expect(refusal { try hubspot.authenticate(request(body, headers: swapped), now: signedAt) } == 401)
        let unversioned = HTTPFields([
            "X-HubSpot-Signature": "d72083a52500c4a32a7b122c713033b09ffb8391f8350099afc69b03b4eae7d3"
        ])
        #expect(refusal { try hubspot.authenticate(request(body, headers: unversioned), now: signedAt) } == 401)
        #expect(refusal { try hubspot.authenticate(request(body + [0x20], headers: v1), now: signedAt) } == 401)
    }

    @Test(
        "without allowLegacySignatures, a v1 or v2 signature is refused, even beside a fresh request timestamp",
        arguments: [
            ("v1", "d72083a52500c4a32a7b122c713033b09ffb8391f8350099afc69b03b4eae7d3"),
            ("v2", "10CDB0059BAC573B33D87BE034C0A31CF679FF8EBCAA76A2E5C209F0DD06BC6E"),
        ])
    func legacySignaturesNeedTheOption(_ version: String, _ signature: String) throws {
        let body = try fixture("hubspot-workflow.json")
        // The timestamp is not covered by a v1 or v2 signature, so it cannot make a replay stale.
        let headers = HTTPFields([
            "X-HubSpot-Signature": signature, "X-HubSpot-Signature-Version": version,
            "X-HubSpot-Request-Timestamp": Self.timestamp,
        ])
        for hubspot in [try sender(), try sender(#", "allowLegacySignatures": false"#)] {
            #expect(throws: WebhookError.self) {
                try hubspot.authenticate(request(body, headers: headers), now: signedAt)
            }
            do {
                try hubspot.authenticate(request(body, headers: headers), now: signedAt)
            } catch {
                #expect(error.status == 401)
                #expect(error.message.contains("allowLegacySignatures"), "\(error.message)")
            }
        }
        try sender(#", "allowLegacySignatures": true"#).authenticate(request(body, headers: headers), now: signedAt)
    }

    @Test("HubSpot's documented v1 example verifies with allowLegacySignatures")
    func documentedV1Example() throws {
        let body = Array(
            (#"[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"#
                + #""subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","#
                + #""changeFlag":"NEW","appId":54321}]"#).utf8)
        let hubspot = try HubSpotSender(
            name: "hubspot",
            options: SenderOptions(
                #"{"secret": "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy", "publicURL": "\#(publicURL)", "#
                    + #""allowLegacySignatures": true}"#))
        let headers = HTTPFields([
            "X-HubSpot-Signature": "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de",
            "X-HubSpot-Signature-Version": "v1",
        ])
        try hubspot.authenticate(request(body, headers: headers), now: signedAt)
    }

    @Test("a workflow webhook has no event id, so its event id is the SHA-256 of the signed body")
    func workflowEventIdIsTheBodyDigest() throws {
        let body = try fixture("hubspot-workflow.json")
        let hubspot = try sender()
        // hashlib.sha256 of the fixture file.
        let digest = "body-sha256:5d810bf3cbe6bb9f898c19076fcb2ee43ce2cdb95f82ac1a864fe4a37dbcb113"
        #expect(try hubspot.decode(request(body, headers: [:])).events.map(\.eventId) == [digest])
        #expect(try hubspot.decode(request(body, headers: [:])).events.map(\.eventId) == [digest])
        var other = body
        other.insert(UInt8(ascii: " "), at: 1)
        #expect(
            try hubspot.decode(request(other, headers: [:])).events.first?.eventId?.hasPrefix("body-sha256:") == true)
        #expect(try hubspot.decode(request(other, headers: [:])).events.first?.eventId != digest)
    }

    @Test("a Webhooks API event without eventId or occurredAt is named by the body's digest and its index")
    func apiEventWithoutIdIsNamedByTheBodyDigestAndIndex() throws {
        let body = Array(
            #"""
            [{"objectId":1,"eventId":10,"occurredAt":5,"subscriptionType":"contact.deletion"},
             {"objectId":2,"occurredAt":5,"subscriptionType":"contact.deletion"},
             {"objectId":3,"eventId":12,"subscriptionType":"contact.deletion"}]
            """#.utf8)
        // hashlib.sha256 of the body above.
        let digest = "body-sha256:f8712c61ed23a41ab0796998b633e04d0465f7a702a528e245976501eb886819"
        #expect(
            try sender().decode(request(body, headers: [:])).events.map(\.eventId) == [
                "10-5-1", digest + "#1", digest + "#2",
            ])
    }

    @Test("a workflow webhook with an opt-out property yields the contact's id, email and phone")
    func workflow() throws {
        let hubspot = try sender()
        let events = try hubspot.decode(request(try fixture("hubspot-workflow.json"), headers: [:])).events
        #expect(events.count == 1)
        #expect(
            events.first?.keys.map(\.description)
                == ["hubspot:3234574", "email:jane.doe@example.com", "phone:+15551234567"])
        #expect(
            try hubspot.decode(request(try fixture("hubspot-workflow-not-opted-out.json"), headers: [:])).events.isEmpty
        )
    }

    @Test(
        "malformed payloads are bad requests",
        arguments: [
            "not json", "\"a string\"", "[1, 2]", #"[{"objectId": 1}]"#,
            #"[{"subscriptionType":"contact.deletion","eventId":1,"occurredAt":2}]"#,
        ])
    func malformed(_ body: String) throws {
        let hubspot = try sender()
        #expect(refusal { _ = try hubspot.decode(request(Array(body.utf8), headers: [:])).throwingRefusal() } == 400)
    }

    @Test("sign produces headers that authenticate, for a local URL with a query too")
    func signRoundTrip() throws {
        let hubspot = try sender()
        let body = try fixture("hubspot-batch.json")
        let now = Date(timeIntervalSince1970: 1_750_000_000.5)
        let signed = try hubspot.sign(
            body: body, url: "http://127.0.0.1:8080/hooks/hubspot?a=%3A1", now: now, privateKeyPEM: nil)
        #expect(signed.url == "http://127.0.0.1:8080/hooks/hubspot?a=%3A1")
        var headers = HTTPFields()
        for header in signed.headers { headers.add(name: header.name, value: header.value) }
        #expect(headers["X-HubSpot-Request-Timestamp"] == "1750000000500")
        try hubspot.authenticate(request(body, query: "a=%3A1", headers: headers), now: now)
        #expect(refusal { try hubspot.authenticate(request(body, query: "a=%3A2", headers: headers), now: now) } == 401)
    }

    @Test(
        "configuration errors name the key",
        arguments: [
            (#"{"publicURL": "https://x.example/hooks/h"}"#, "missing required key 'secret'"),
            (#"{"secret": "s"}"#, "missing required key 'publicURL'"),
            (#"{"secret": "s", "publicURL": "https://x.example/h?x=1"}"#, "'publicURL' must be"),
            (
                #"{"secret": "s", "publicURL": "https://x.example/h", "allowLegacySignatures": "yes"}"#,
                "'allowLegacySignatures' must be true or false"
            ),
        ])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try HubSpotSender(name: "hubspot", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("the type name is hubspot and the dialect is plain JSON")
    func typeAndDialect() throws {
        #expect(HubSpotSender.type == "hubspot")
        let response = try sender().respond(.refused(.unauthorized("no")))
        #expect(response.status == 401)
        #expect(try sender().allowedMethods == [.post])
    }

    @Test("a bad event of a Webhooks API array is invalid at its index, and the others are still opt-outs")
    func oneBadEventOfABatch() throws {
        let body = Array(
            #"""
            [{"objectId":1,"eventId":10,"occurredAt":5,"subscriptionType":"contact.deletion"},
             {"eventId":11,"occurredAt":5,"subscriptionType":"contact.deletion"},
             "junk",
             {"objectId":3,"eventId":13,"occurredAt":5,"subscriptionType":"contact.privacyDeletion"}]
            """#.utf8)
        let decoded = try sender().decode(request(body, headers: [:]))
        #expect(decoded.events.map(\.eventId) == ["10-5-1", "13-5-3"])
        #expect(decoded.invalid.map(\.index) == [1, 2])
        #expect(decoded.invalid.map(\.eventId) == ["11", nil])
        #expect(decoded.invalid.first?.reason.contains("names no contact") == true)
        #expect(decoded.invalid.last?.reason == "not a JSON object but a string")
        #expect(decoded.refusal == nil)
    }

    @Test("a workflow webhook that names no contact is one invalid event, without an index")
    func workflowWithoutContact() throws {
        let body = Array(#"{"properties": {"hs_email_optout": {"value": "true"}, "phone": "12"}}"#.utf8)
        let decoded = try sender().decode(request(body, headers: [:]))
        #expect(decoded.events.isEmpty)
        let invalid = try #require(decoded.invalid.first)
        #expect(decoded.invalid.count == 1)
        #expect(invalid.index == nil)
        #expect(invalid.identifiers.map(\.description) == ["phone:12"])
        #expect(invalid.reason.hasPrefix("the opt-out names no usable contact: "))
        #expect(decoded.refusal == .badRequest(invalid.reason))
    }
}
