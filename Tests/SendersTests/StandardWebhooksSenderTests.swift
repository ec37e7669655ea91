import Crypto
import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("Standard Webhooks sender")
struct StandardWebhooksSenderTests {
    // The spec's published vector, and a signature computed once with Python's hmac for the events fixture.
    private static let vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    private static let vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    private static let secondSecret = "whsec_c2Vjb25kLXN0YW5kYXJkLXNlY3JldC0wMTIzNDU2Nzg5"
    private static let eventsSignature = "v1,mvTqtkJMaRzoU3BEFzpiWAJ/vHbxBNAF83TJbsRWOHI="
    private let vectorTime = Date(timeIntervalSince1970: 1_614_265_330)

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func sender(
        secrets: [String] = [StandardWebhooksSenderTests.vectorSecret],
        fields: String = #"{"crmId": "/data/id", "email": "/data/email", "phone": "/data/phone"}"#,
        when: String? = nil, environment: [String: String] = [:]
    ) throws -> StandardWebhooksSender {
        let list = secrets.map { "\"\($0)\"" }.joined(separator: ", ")
        let json = #"{"secrets": [\#(list)], "fields": \#(fields)\#(when.map { #", "when": \#($0)"# } ?? "")}"#
        let options = try SenderOptions.configured(json, type: "standard", environment: environment)
        return try StandardWebhooksSender(name: "std", options: options)
    }

    private func request(_ body: [UInt8], id: String?, timestamp: String?, signature: String?) -> HTTPRequest {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let id { headers.add(name: "webhook-id", value: id) }
        if let timestamp { headers.add(name: "webhook-timestamp", value: timestamp) }
        if let signature { headers.add(name: "webhook-signature", value: signature) }
        return HTTPRequest(method: .post, path: "/hooks/std", headers: headers, body: body)
    }

    private func vectorRequest(signature: String? = StandardWebhooksSenderTests.vectorSignature) throws -> HTTPRequest {
        request(
            try fixture("standard-vector.json"), id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
            signature: signature)
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

    @Test("the spec's published vector authenticates within 5 minutes either way")
    func publishedVector() throws {
        let standard = try sender()
        for skew in [0.0, 299, -299] {
            #expect(
                refusal { try standard.authenticate(try vectorRequest(), now: vectorTime.addingTimeInterval(skew)) }
                    == nil)
        }
        for skew in [301.0, -301] {
            #expect(
                refusal { try standard.authenticate(try vectorRequest(), now: vectorTime.addingTimeInterval(skew)) }
                    == 401)
        }
    }

    @Test("any v1 entry matching any secret is enough, so keys can rotate")
    func rotation() throws {
        let standard = try sender(secrets: [
            "whsec_" + Data("old-key".utf8).base64EncodedString(), StandardWebhooksSenderTests.vectorSecret,
        ])
        let entries =
            "v1a,bm90IGNoZWNrZWQ= v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= "
            + StandardWebhooksSenderTests.vectorSignature
        #expect(refusal { try standard.authenticate(try vectorRequest(signature: entries), now: vectorTime) } == nil)
        let onlyOld = try sender(secrets: ["whsec_" + Data("old-key".utf8).base64EncodedString()])
        #expect(refusal { try onlyOld.authenticate(try vectorRequest(), now: vectorTime) } == 401)
    }

    @Test("secrets may come from the environment")
    func environmentSecret() throws {
        let standard = try sender(
            secrets: ["env:STD_SECRET"], environment: ["STD_SECRET": StandardWebhooksSenderTests.vectorSecret])
        #expect(refusal { try standard.authenticate(try vectorRequest(), now: vectorTime) } == nil)
    }

    @Test("an array body yields one event per matching element; the event id falls back to webhook-id#index")
    func events() throws {
        let standard = try sender(
            secrets: [StandardWebhooksSenderTests.secondSecret],
            fields: #"{"crmId": "/data/id", "email": "/data/email", "phone": "/data/phone", "eventId": "/eventId"}"#,
            when: #"{"/type": "contact.opted_out"}"#)
        let signed = request(
            try fixture("standard-events.json"), id: "msg_2", timestamp: "1614265400",
            signature: StandardWebhooksSenderTests.eventsSignature)
        try standard.authenticate(signed, now: Date(timeIntervalSince1970: 1_614_265_400))
        let events = try standard.decode(signed).events
        #expect(
            events.map { $0.keys.map(\.description) } == [
                ["std:c-1", "email:one@example.com", "phone:+15550101010"], ["std:42", "email:three@example.com"],
            ])
        #expect(events.map(\.eventId) == ["msg_2#0", "evt-3"])
    }

    @Test("an object body is one event whose id is webhook-id; a when mismatch is ignored")
    func objectBody() throws {
        let body = Array(#"{"type":"contact.opted_out","data":{"email":"solo@example.com"}}"#.utf8)
        let standard = try sender(when: #"{"/type": "contact.opted_out"}"#)
        let events = try standard.decode(request(body, id: "msg_9", timestamp: nil, signature: nil)).events
        #expect(events.map { $0.keys.map(\.description) } == [["email:solo@example.com"]])
        #expect(events.first?.eventId == "msg_9")
        let other = try sender(when: #"{"/type": "contact.created"}"#)
        #expect(try other.decode(request(body, id: "msg_9", timestamp: nil, signature: nil)).events.isEmpty)
    }

    @Test("missing headers, a bad signature, a tampered body or id are refused")
    func refusals() throws {
        let standard = try sender()
        let body = try fixture("standard-vector.json")
        let good = StandardWebhooksSenderTests.vectorSignature
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
        for request in [
            request(body, id: nil, timestamp: "1614265330", signature: good),
            request(body, id: id, timestamp: nil, signature: good),
            request(body, id: id, timestamp: "1614265330", signature: nil),
            request(body, id: id, timestamp: "1614265330", signature: "v2," + good.dropFirst(3)),
            request(body, id: id, timestamp: "1614265330", signature: "v1,not-base64"),
            request(body, id: id + "x", timestamp: "1614265330", signature: good),
            request(body, id: id, timestamp: "1614265331", signature: good),
            request(body, id: id, timestamp: "soon", signature: good),
            request(Array(#"{"test": 2432232315}"#.utf8), id: id, timestamp: "1614265330", signature: good),
        ] {
            #expect(refusal { try standard.authenticate(request, now: vectorTime) } == 401)
        }
    }

    @Test(
        "malformed bodies and events without a key are bad requests", arguments: ["nope", "7", "[1]", #"{"data": {}}"#])
    func malformed(_ body: String) throws {
        let standard = try sender()
        #expect(
            refusal {
                _ = try standard.decode(request(Array(body.utf8), id: "m", timestamp: nil, signature: nil))
                    .throwingRefusal()
            }
                == 400)
    }

    @Test("sign's headers authenticate, with one entry per secret, and match an HMAC computed with Crypto directly")
    func signRoundTrip() throws {
        let standard = try sender(secrets: [
            StandardWebhooksSenderTests.vectorSecret, StandardWebhooksSenderTests.secondSecret,
        ])
        let body = try fixture("standard-events.json")
        let now = Date(timeIntervalSince1970: 1_760_000_000.5)
        let signed = try standard.sign(body: body, url: "http://127.0.0.1/hooks/std", now: now, privateKeyPEM: nil)
        let headers = Dictionary(uniqueKeysWithValues: signed.headers.map { ($0.name, $0.value) })
        let id = try #require(headers["webhook-id"])
        #expect(headers["webhook-timestamp"] == "1760000000")
        let entries = try #require(headers["webhook-signature"]).split(separator: " ").map(String.init)
        #expect(entries.count == 2)
        let key = try #require(Data(base64Encoded: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("\(id).1760000000.".utf8) + body, using: SymmetricKey(data: key))
        #expect(entries.first == "v1," + Data(mac).base64EncodedString())
        let request = request(
            body, id: id, timestamp: headers["webhook-timestamp"], signature: headers["webhook-signature"])
        #expect(refusal { try standard.authenticate(request, now: now) } == nil)
    }

    @Test(
        "configuration errors name the key",
        arguments: [
            (#"{"fields": {"email": "/e"}}"#, "missing required key 'secrets'"),
            (#"{"secrets": ["whsec_!!"], "fields": {"email": "/e"}}"#, "entry 1 is not a Standard Webhooks secret"),
            (#"{"secrets": []}"#, "missing required key 'fields'"),
            (#"{"secrets": ["whsec_QUJD"], "fields": {"eventId": "/id"}}"#, "at least one of crmId, email or phone"),
            (#"{"secrets": ["whsec_QUJD"], "fields": {"mail": "/e"}}"#, "did you mean 'email'?"),
            (#"{"secrets": ["whsec_QUJD"], "fields": {"email": "e"}}"#, "invalid JSON pointer"),
            (#"{"secrets": ["whsec_QUJD"], "fields": {"email": "/e"}, "when": ["/x"]}"#, "'when' must be an object"),
        ])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try StandardWebhooksSender(name: "std", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("an element of an array that is not an object or names no contact is invalid, and the others are decoded")
    func oneBadEventOfABatch() throws {
        let body = Array(#"[{"data": {"id": "c0"}}, 7, {"data": {"phone": "12"}}, {"data": {"id": "c3"}}]"#.utf8)
        let decoded = try sender().decode(request(body, id: "msg_1", timestamp: nil, signature: nil))
        #expect(decoded.events.map(\.eventId) == ["msg_1#0", "msg_1#3"])
        #expect(decoded.invalid.map(\.index) == [1, 2])
        #expect(decoded.invalid.map(\.eventId) == ["msg_1#1", "msg_1#2"])
        #expect(decoded.invalid.first?.reason == "not a JSON object but a number")
        #expect(decoded.invalid.last?.identifiers.map(\.description) == ["phone:12"])
        #expect(decoded.invalid.last?.reason.hasPrefix("the opt-out names no usable contact: ") == true)
    }
}
