import Crypto
import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("Klaviyo sender")
struct KlaviyoSenderTests {
    // Expected signatures were computed once with Python's hmac over the fixture files, not with the code under test.
    private let secret = "klaviyo-secret-abcdef0123456789"

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func sender() throws -> KlaviyoSender {
        try KlaviyoSender(name: "klaviyo", options: SenderOptions(#"{"secret": "\#(secret)"}"#))
    }

    private func request(_ body: [UInt8], signature: String?, timestamp: String?) -> HTTPRequest {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signature { headers.add(name: "Klaviyo-Signature", value: signature) }
        if let timestamp { headers.add(name: "Klaviyo-Timestamp", value: timestamp) }
        return HTTPRequest(method: .post, path: "/hooks/klaviyo", headers: headers, body: body)
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

    private static let smsSignature = "433186457f15138a4612b1b5252e8153157391a1f7335bd66c2be565ff3716ad"
    private let smsTime = Date(timeIntervalSince1970: 1_735_689_600)

    @Test("the documented SMS unsubscription, signed with a seconds timestamp, is one opt-out")
    func documentedExample() throws {
        let klaviyo = try sender()
        let signed = request(
            try fixture("klaviyo-unsubscribed-sms.json"), signature: KlaviyoSenderTests.smsSignature,
            timestamp: "1735689600")
        try klaviyo.authenticate(signed, now: smsTime.addingTimeInterval(120))
        let events = try klaviyo.decode(signed).events
        #expect(events.map { $0.keys.map(\.description) } == [["klaviyo:01HABC", "phone:+15551234567"]])
        #expect(events.first?.eventId == "evt-1")
        #expect(events.first?.occurredAt == Date(timeIntervalSince1970: 1_735_689_600))
    }

    @Test("a mixed batch, signed with a millisecond timestamp, yields the unsubscription and the suppression")
    func mixedBatch() throws {
        let klaviyo = try sender()
        let signed = request(
            try fixture("klaviyo-mixed.json"),
            signature: "164a05f2e1e05c2cb6377f0e4f041609820aa43a57d5911bfc55992111c047ed", timestamp: "1735689781000")
        try klaviyo.authenticate(signed, now: Date(timeIntervalSince1970: 1_735_689_781))
        let events = try klaviyo.decode(signed).events
        #expect(
            events.map { $0.keys.map(\.description) } == [
                ["klaviyo:01HEMAIL", "email:unsub@example.com"],
                ["klaviyo:01HSUPP", "email:supp@example.com", "phone:+15559990000"],
            ])
        #expect(events.map(\.eventId) == ["evt-11", "evt-12"])
    }

    @Test(
        "bad signatures and stale or missing timestamps are refused",
        arguments: [
            (KlaviyoSenderTests.smsSignature, "1735689600", 301.0),
            (KlaviyoSenderTests.smsSignature, "1735689600", -301.0),
            (KlaviyoSenderTests.smsSignature, "1735689601", 0.0),
            (String(KlaviyoSenderTests.smsSignature.dropLast()) + "0", "1735689600", 0.0),
            ("zz", "1735689600", 0.0), (KlaviyoSenderTests.smsSignature, "yesterday", 0.0),
        ])
    func badSignatures(_ signature: String, _ timestamp: String, _ skew: Double) throws {
        let klaviyo = try sender()
        let signed = request(try fixture("klaviyo-unsubscribed-sms.json"), signature: signature, timestamp: timestamp)
        #expect(refusal { try klaviyo.authenticate(signed, now: smsTime.addingTimeInterval(skew)) } == 401)
    }

    @Test("missing headers or a tampered body are refused")
    func missingAndTampered() throws {
        let klaviyo = try sender()
        var body = try fixture("klaviyo-unsubscribed-sms.json")
        #expect(
            refusal { try klaviyo.authenticate(request(body, signature: nil, timestamp: "1735689600"), now: smsTime) }
                == 401)
        #expect(
            refusal {
                try klaviyo.authenticate(
                    request(body, signature: KlaviyoSenderTests.smsSignature, timestamp: nil), now: smsTime)
            }
                == 401)
        body[10] ^= 0x20
        #expect(
            refusal {
                try klaviyo.authenticate(
                    request(body, signature: KlaviyoSenderTests.smsSignature, timestamp: "1735689600"), now: smsTime)
            } == 401)
    }

    @Test(
        "topics of unsubscription and suppression are opt-outs, others are not",
        arguments: [
            ("event:klaviyo.unsubscribed_from_email_marketing", true),
            ("event:klaviyo.unsubscribed_from_sms_marketing", true),
            ("event:klaviyo.manually_suppressed_from_email_marketing", true),
            ("event:klaviyo.Unsubscribed_from_List", true),
            ("event:klaviyo.subscribed_to_email_marketing", false),
            ("event:klaviyo.manually_unsuppressed_from_email_marketing", false),
            ("event:klaviyo.email_delivered", false),
        ])
    func topics(_ topic: String, _ optOut: Bool) throws {
        let body = Array(
            #"""
            {"data":[{"topic":"\#(topic)","external_id":"e","payload":{"data":{"id":"e",
             "relationships":{"profile":{"data":{"type":"profile","id":"P1"}}}}}}]}
            """#.utf8)
        #expect(try sender().decode(request(body, signature: nil, timestamp: nil)).events.count == (optOut ? 1 : 0))
    }

    @Test(
        "malformed payloads are bad requests",
        arguments: [
            "nope", "[]", #"{"data": {}}"#, #"{"data": [{"external_id": "x"}]}"#,
            #"{"data": [{"topic": "event:klaviyo.unsubscribed_from_email_marketing", "payload": {}}]}"#,
        ])
    func malformed(_ body: String) throws {
        let klaviyo = try sender()
        #expect(
            refusal {
                _ = try klaviyo.decode(request(Array(body.utf8), signature: nil, timestamp: nil)).throwingRefusal()
            } == 400)
    }

    @Test("sign's headers authenticate and match an HMAC computed with Crypto directly")
    func signRoundTrip() throws {
        let klaviyo = try sender()
        let body = try fixture("klaviyo-mixed.json")
        let now = Date(timeIntervalSince1970: 1_760_000_000.9)
        let signed = try klaviyo.sign(
            body: body, url: "http://127.0.0.1:8080/hooks/klaviyo", now: now, privateKeyPEM: nil)
        let headers = Dictionary(uniqueKeysWithValues: signed.headers.map { ($0.name, $0.value) })
        #expect(headers["Klaviyo-Timestamp"] == "1760000000")
        let mac = HMAC<SHA256>.authenticationCode(
            for: body + Array("1760000000".utf8), using: SymmetricKey(data: Array(secret.utf8)))
        #expect(headers["Klaviyo-Signature"] == mac.map { String(format: "%02x", $0) }.joined())
        let signedRequest = request(
            body, signature: headers["Klaviyo-Signature"], timestamp: headers["Klaviyo-Timestamp"])
        #expect(refusal { try klaviyo.authenticate(signedRequest, now: now) } == nil)
    }

    @Test(
        "configuration errors name the key",
        arguments: [("{}", "missing required key 'secret'")])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try KlaviyoSender(name: "klaviyo", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("an entry of data without topic or contact is invalid at its index, and the others are opt-outs")
    func oneBadEventOfABatch() throws {
        let optOut = { (id: String, profile: String) in
            #"""
            {"topic":"event:klaviyo.unsubscribed_from_email_marketing","external_id":"\#(id)",
             "payload":{"data":{"id":"\#(id)","relationships":{"profile":{"data":{"id":"\#(profile)"}}}}}}
            """#
        }
        let body = Array(
            #"{"data": [\#(optOut("e0", "P0")), {"external_id": "e1"}, \#(optOut("e2", "")), \#(optOut("e3", "P3"))]}"#
                .utf8)
        let decoded = try sender().decode(request(body, signature: nil, timestamp: nil))
        #expect(decoded.events.map(\.eventId) == ["e0", "e3"])
        #expect(decoded.invalid.map(\.index) == [1, 2])
        #expect(decoded.invalid.map(\.eventId) == ["e1", "e2"])
        #expect(decoded.invalid.first?.reason == "the entry of 'data' has no topic")
        #expect(decoded.invalid.last?.reason.contains("names no contact") == true)
    }
}
