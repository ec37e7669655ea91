import Crypto
import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("SendGrid sender")
struct SendGridSenderTests {
    // The fixture key pair and the two signatures below were made once with Python's `cryptography` package (an
    // independent ECDSA implementation); the other tests sign with a key made here with Crypto.
    private static let batchSignature =
        "MEUCIB+wiND+ElQDf+RZgOVB8rEyCjqZv5fG21U44thIh04JAiEA6UABk9QXkTDzIlO8JpdXywmP+dnIOLE8b3HQ0urzS+I="
    private static let deliveredSignature =
        "MEUCIAGuIYYxAqnwIKOOpi3KnoE2EdWE/ipjda+YvJJp6of6AiEA3oCzwJ2bOxcxfuwIHCa8PAw37iL5GaXBYtV2mSw/wRM="
    private static let timestamp = "1513299600"
    private let signedAt = Date(timeIntervalSince1970: 1_513_299_600)

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func text(_ name: String) throws -> String {
        String(decoding: try fixture(name), as: UTF8.self)
    }

    private func sender(publicKey: String? = nil) throws -> SendGridSender {
        let key = try publicKey ?? text("sendgrid-public-key.txt")
        return try SendGridSender(name: "sendgrid", options: SenderOptions(#"{"publicKey": "\#(key)"}"#))
    }

    private func request(_ body: [UInt8], signature: String?, timestamp: String? = SendGridSenderTests.timestamp)
        -> HTTPRequest
    {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signature { headers.add(name: "X-Twilio-Email-Event-Webhook-Signature", value: signature) }
        if let timestamp { headers.add(name: "X-Twilio-Email-Event-Webhook-Timestamp", value: timestamp) }
        return HTTPRequest(method: .post, path: "/hooks/sendgrid", headers: headers, body: body)
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

    /// A fresh key pair: the configured public key (base64 DER) and the PEM private key.
    private func keyPair() -> (publicKey: String, privateKey: P256.Signing.PrivateKey) {
        let key = P256.Signing.PrivateKey()
        return (key.publicKey.derRepresentation.base64EncodedString(), key)
    }

    @Test("the documented batch signed by Python's cryptography yields one event per opt-out, in order")
    func pythonSignedBatch() throws {
        let sendgrid = try sender()
        let signed = request(try fixture("sendgrid-batch.json"), signature: SendGridSenderTests.batchSignature)
        try sendgrid.authenticate(signed, now: signedAt.addingTimeInterval(60))
        let events = try sendgrid.decode(signed).events
        #expect(
            events.map { $0.keys.map(\.description) } == [
                ["email:example@test.com"], ["email:example@test.com"], ["email:spam@test.com"],
            ])
        #expect(events.map(\.eventId) == ["e1", "e2", "e4"])
        #expect(events.first?.occurredAt == Date(timeIntervalSince1970: 1_513_299_569))
    }

    @Test("a batch of only deliveries and opens is ignored")
    func nothingToDo() throws {
        let sendgrid = try sender()
        let signed = request(try fixture("sendgrid-delivered.json"), signature: SendGridSenderTests.deliveredSignature)
        try sendgrid.authenticate(signed, now: signedAt)
        #expect(try sendgrid.decode(signed).events.isEmpty)
    }

    @Test("a key given as PEM works like the base64 DER")
    func pemKey() throws {
        let der = try text("sendgrid-public-key.txt")
        let pem = "-----BEGIN PUBLIC KEY-----\\n\(der.prefix(64))\\n\(der.dropFirst(64))\\n-----END PUBLIC KEY-----"
        let sendgrid = try sender(publicKey: pem)
        let signed = request(try fixture("sendgrid-batch.json"), signature: SendGridSenderTests.batchSignature)
        #expect(refusal { try sendgrid.authenticate(signed, now: signedAt) } == nil)
    }

    @Test("a signature made with Crypto over timestamp + body authenticates")
    func cryptoSigned() throws {
        let (publicKey, privateKey) = keyPair()
        let sendgrid = try sender(publicKey: publicKey)
        let body = try fixture("sendgrid-batch.json")
        let signature = try privateKey.signature(for: Array("1700000000".utf8) + body)
        let signed = request(
            body, signature: signature.derRepresentation.base64EncodedString(), timestamp: "1700000000")
        #expect(refusal { try sendgrid.authenticate(signed, now: Date(timeIntervalSince1970: 1_700_000_100)) } == nil)
        // The same signature does not hold for another key, nor for a stale or future time.
        #expect(
            refusal { try self.sender().authenticate(signed, now: Date(timeIntervalSince1970: 1_700_000_000)) } == 401)
        #expect(refusal { try sendgrid.authenticate(signed, now: Date(timeIntervalSince1970: 1_700_000_301)) } == 401)
        #expect(refusal { try sendgrid.authenticate(signed, now: Date(timeIntervalSince1970: 1_699_999_699)) } == 401)
    }

    @Test("missing headers, a bad signature, a changed timestamp and a tampered body are refused")
    func refusals() throws {
        let sendgrid = try sender()
        var body = try fixture("sendgrid-batch.json")
        let good = SendGridSenderTests.batchSignature
        #expect(refusal { try sendgrid.authenticate(request(body, signature: nil), now: signedAt) } == 401)
        #expect(
            refusal { try sendgrid.authenticate(request(body, signature: good, timestamp: nil), now: signedAt) } == 401)
        #expect(
            refusal {
                try sendgrid.authenticate(request(body, signature: good, timestamp: "1513299601"), now: signedAt)
            } == 401)
        #expect(refusal { try sendgrid.authenticate(request(body, signature: "AAAA"), now: signedAt) } == 401)
        #expect(
            refusal {
                try sendgrid.authenticate(
                    request(body, signature: SendGridSenderTests.deliveredSignature), now: signedAt)
            } == 401)
        body[5] ^= 0x01
        #expect(refusal { try sendgrid.authenticate(request(body, signature: good), now: signedAt) } == 401)
    }

    @Test(
        "malformed payloads are bad requests",
        arguments: [
            "nope", #"{"event": "unsubscribe"}"#, "[1]", #"[{"email": "a@b.com"}]"#,
            #"[{"event": "unsubscribe", "sg_event_id": "x"}]"#,
        ])
    func malformed(_ body: String) throws {
        let sendgrid = try sender()
        #expect(refusal { _ = try sendgrid.decode(request(Array(body.utf8), signature: nil)).throwingRefusal() } == 400)
    }

    @Test("sign needs the matching private key, and its headers authenticate")
    func signRoundTrip() throws {
        let (publicKey, privateKey) = keyPair()
        let sendgrid = try sender(publicKey: publicKey)
        let body = try fixture("sendgrid-batch.json")
        let now = Date(timeIntervalSince1970: 1_760_000_000)
        #expect(refusal { _ = try sendgrid.sign(body: body, url: "u", now: now, privateKeyPEM: nil) } == 400)
        #expect(
            refusal {
                _ = try sendgrid.sign(
                    body: body, url: "u", now: now, privateKeyPEM: P256.Signing.PrivateKey().pemRepresentation)
            } == 400)
        let signed = try sendgrid.sign(body: body, url: "u", now: now, privateKeyPEM: privateKey.pemRepresentation)
        let headers = Dictionary(uniqueKeysWithValues: signed.headers.map { ($0.name, $0.value) })
        #expect(headers["X-Twilio-Email-Event-Webhook-Timestamp"] == "1760000000")
        let der = try #require(Data(base64Encoded: headers["X-Twilio-Email-Event-Webhook-Signature"] ?? ""))
        let signature = try P256.Signing.ECDSASignature(derRepresentation: der)
        #expect(privateKey.publicKey.isValidSignature(signature, for: Array("1760000000".utf8) + body))
        let request = request(
            body, signature: headers["X-Twilio-Email-Event-Webhook-Signature"],
            timestamp: headers["X-Twilio-Email-Event-Webhook-Timestamp"])
        #expect(refusal { try sendgrid.authenticate(request, now: now) } == nil)
        // The Python-made fixture key signs too.
        let fixtureSender = try sender()
        let fixtureSigned = try fixtureSender.sign(
            body: body, url: "u", now: now, privateKeyPEM: try text("sendgrid-private-key.pem"))
        #expect(fixtureSigned.headers.contains { $0.name == "X-Twilio-Email-Event-Webhook-Signature" })
    }

    @Test(
        "configuration errors name the key",
        arguments: [
            ("{}", "missing required key 'publicKey'"), (#"{"publicKey": "bm90IGEga2V5"}"#, "P-256 verification key"),
        ])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try SendGridSender(name: "sendgrid", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("a bad event of a batch is invalid at its index, and the others are still opt-outs")
    func oneBadEventOfABatch() throws {
        let body = Array(
            #"""
            [{"email":"a@b.com","event":"unsubscribe","sg_event_id":"e0"},
             {"email":"a@b.com","event":"delivered","sg_event_id":"e1"},
             {"email":"nope","event":"spamreport","sg_event_id":"e2"},
             {"email":"c@d.com","sg_event_id":"e3"},
             {"email":"c@d.com","event":"group_unsubscribe","sg_event_id":"e4"}]
            """#.utf8)
        let decoded = try sender().decode(request(body, signature: nil))
        #expect(decoded.events.map(\.eventId) == ["e0", "e4"])
        #expect(decoded.ignored == 1)
        #expect(decoded.invalid.map(\.index) == [2, 3])
        #expect(decoded.invalid.map(\.eventId) == ["e2", "e3"])
        #expect(decoded.invalid.first?.identifiers.map(\.description) == ["email:nope"])
        #expect(decoded.invalid.first?.identifiers.first?.problem != nil)
        #expect(decoded.invalid.first?.reason.contains("'nope' is not an email address") == true)
        #expect(decoded.invalid.last?.reason == "not an object with an 'event' name")
    }

    @Test("a batch of bad events only is refused, naming the first reasons")
    func onlyBadEvents() throws {
        let body = Array(#"[1, 2, 3, 4, {"event": "unsubscribe"}]"#.utf8)
        let decoded = try sender().decode(request(body, signature: nil))
        #expect(decoded.events.isEmpty)
        #expect(decoded.invalid.count == 5)
        let refusal = try #require(decoded.refusal)
        #expect(refusal.status == 400)
        #expect(
            refusal.message
                == "event 0: not an object with an 'event' name; event 1: not an object with an 'event' name; "
                + "event 2: not an object with an 'event' name; and 2 more invalid events")
        let four = try sender().decode(request(Array("[1, 2, 3, 4]".utf8), signature: nil))
        #expect(four.refusal?.message.hasSuffix("name; and 1 more invalid event") == true)
    }
}
