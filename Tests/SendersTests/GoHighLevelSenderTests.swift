import Crypto
import Foundation
import JSON
import MicroHTTP
import OptOutCore
import Senders
import Testing
import _CryptoExtras

@Suite("GoHighLevel sender")
struct GoHighLevelSenderTests {
    // The fixture keys and signatures were made once with Python's `cryptography` package (RSA PKCS #1 v1.5 with
    // SHA-256, and Ed25519, over the raw fixture bytes), not with the code under test.
    private static let dndEd25519Signature =
        "MTjvLxVfF5RWx3DeZ/26P2BzhoZ2xyS4ibvT5WPS11EWvfxZmZAaGEvV0Aj9Ab8TmiWZowZlh0bfRXC0yyJVDg=="
    private static let channelEd25519Signature =
        "D7/QRgn+vi4M+/Mgij61G4bZ2oO4tQEoBszvpexQ3krSeODXiNLNbyb/fgX2aZ9KwQujMrCY/8pjhGF7iz2ZAw=="
    /// Two minutes after the documented example's `timestamp` (2025-01-28T14:35:00Z).
    private let now = Date(timeIntervalSince1970: 1_738_074_900 + 120)

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func text(_ name: String) throws -> String {
        String(decoding: try fixture(name), as: UTF8.self)
    }

    /// A JSON string literal of `text`.
    private func quoted(_ text: String) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed), as: UTF8.self)
    }

    private func sender(keys: [String] = ["gohighlevel-rsa-public.pem"]) throws -> GoHighLevelSender {
        let pem = try keys.map { try text($0) }.joined()
        return try GoHighLevelSender(name: "ghl", options: SenderOptions(#"{"publicKey": \#(quoted(pem))}"#))
    }

    private func request(_ body: [UInt8], rsa: String? = nil, ed25519: String? = nil) -> HTTPRequest {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let rsa { headers.add(name: "x-wh-signature", value: rsa) }
        if let ed25519 { headers.add(name: "X-GHL-Signature", value: ed25519) }
        return HTTPRequest(method: .post, path: "/hooks/ghl", headers: headers, body: body)
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

    @Test("the documented ContactDndUpdate, RSA-signed, is one opt-out with webhookId as event id")
    func documentedExample() throws {
        let ghl = try sender()
        let signed = request(try fixture("gohighlevel-dnd.json"), rsa: try text("gohighlevel-dnd-rsa-signature.txt"))
        try ghl.authenticate(signed, now: now)
        let events = try ghl.decode(signed).events
        #expect(
            events.map { $0.keys.map(\.description) } == [
                ["ghl:nmFmQEsNgz6AVpgLVUJ0", "email:john@example.com", "phone:+15551234567"]
            ])
        #expect(events.first?.eventId == "abc123xyz")
        #expect(events.first?.occurredAt == Date(timeIntervalSince1970: 1_738_074_900))
    }

    @Test("a channel in permanent DND is an opt-out; without webhookId the event id is id@timestamp")
    func channelStatus() throws {
        let ghl = try sender()
        let signed = request(
            try fixture("gohighlevel-channel.json"), rsa: try text("gohighlevel-channel-rsa-signature.txt"))
        try ghl.authenticate(signed, now: now.addingTimeInterval(300))
        let events = try ghl.decode(signed).events
        #expect(events.map { $0.keys.map(\.description) } == [["ghl:pQ7rS8tU9vW0xY1zA2bC", "phone:+15557778888"]])
        #expect(events.first?.eventId == "pQ7rS8tU9vW0xY1zA2bC@2025-01-28T14:40:00.250Z")
    }

    @Test("a DND update that turns DND off is ignored")
    func dndOff() throws {
        let ghl = try sender()
        let signed = request(try fixture("gohighlevel-off.json"), rsa: try text("gohighlevel-off-rsa-signature.txt"))
        try ghl.authenticate(signed, now: now.addingTimeInterval(600))
        #expect(try ghl.decode(signed).events.isEmpty)
    }

    @Test("X-GHL-Signature (Ed25519) authenticates with the Ed25519 key, alone or beside the RSA key")
    func ed25519() throws {
        let body = try fixture("gohighlevel-dnd.json")
        let edOnly = try sender(keys: ["gohighlevel-ed25519-public.pem"])
        let both = try sender(keys: ["gohighlevel-rsa-public.pem", "gohighlevel-ed25519-public.pem"])
        let signed = request(body, ed25519: GoHighLevelSenderTests.dndEd25519Signature)
        #expect(refusal { try edOnly.authenticate(signed, now: now) } == nil)
        #expect(refusal { try both.authenticate(signed, now: now) } == nil)
        // With both headers and both keys, the Ed25519 signature decides.
        let wrongEd = request(
            body, rsa: try text("gohighlevel-dnd-rsa-signature.txt"),
            ed25519: GoHighLevelSenderTests.channelEd25519Signature)
        #expect(refusal { try both.authenticate(wrongEd, now: now) } == 401)
        // An RSA-only configuration cannot check a request signed only with Ed25519.
        #expect(refusal { try self.sender().authenticate(signed, now: now) } == 401)
        // An Ed25519-only configuration cannot check an RSA signature.
        let rsaSigned = request(body, rsa: try text("gohighlevel-dnd-rsa-signature.txt"))
        #expect(refusal { try edOnly.authenticate(rsaSigned, now: now) } == 401)
    }

    @Test(
        "the body's timestamp may be up to 75 minutes old, for HighLevel's 429 retries, and not in the future",
        arguments: [(-120.0, true), (4_400.0, true), (4_501.0, false), (-420.0, false)])
    func replayWindow(_ offset: Double, _ accepted: Bool) throws {
        let ghl = try sender()
        let signed = request(try fixture("gohighlevel-dnd.json"), rsa: try text("gohighlevel-dnd-rsa-signature.txt"))
        let sent = Date(timeIntervalSince1970: 1_738_074_900)
        #expect(
            refusal { try ghl.authenticate(signed, now: sent.addingTimeInterval(offset)) } == (accepted ? nil : 401))
    }

    @Test("missing or bad signatures and a tampered body are refused")
    func refusals() throws {
        let ghl = try sender()
        var body = try fixture("gohighlevel-dnd.json")
        let good = try text("gohighlevel-dnd-rsa-signature.txt")
        #expect(refusal { try ghl.authenticate(request(body), now: now) } == 401)
        #expect(refusal { try ghl.authenticate(request(body, rsa: "not base64"), now: now) } == 401)
        #expect(
            refusal {
                try ghl.authenticate(request(body, rsa: try text("gohighlevel-off-rsa-signature.txt")), now: now)
            }
                == 401)
        body[3] ^= 0x01
        #expect(refusal { try ghl.authenticate(request(body, rsa: good), now: now) } == 401)
    }

    @Test("an RSA signature made with _CryptoExtras over a fresh key authenticates; PSS padding does not")
    func cryptoSigned() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let ghl = try GoHighLevelSender(
            name: "ghl", options: SenderOptions(#"{"publicKey": \#(quoted(key.publicKey.pemRepresentation))}"#))
        let body = Array(#"{"type":"ContactDndUpdate","id":"c1","dnd":true}"#.utf8)
        let pkcs1 = try key.signature(for: body, padding: .insecurePKCS1v1_5)
        #expect(
            refusal {
                try ghl.authenticate(request(body, rsa: pkcs1.rawRepresentation.base64EncodedString()), now: now)
            } == nil)
        let pss = try key.signature(for: body, padding: .PSS)
        #expect(
            refusal { try ghl.authenticate(request(body, rsa: pss.rawRepresentation.base64EncodedString()), now: now) }
                == 401)
    }

    @Test(
        "which payloads are opt-outs",
        arguments: [
            (#"{"type":"ContactDndUpdate","id":"c","dnd":true}"#, true),
            (#"{"type":"ContactDndUpdate","id":"c","dnd":false,"dndSettings":{"Email":{"status":"active"}}}"#, true),
            (#"{"type":"ContactDndUpdate","id":"c","dndSettings":{"WhatsApp":{"status":"Permanent"}}}"#, true),
            (#"{"type":"ContactDndUpdate","id":"c","dnd":false,"dndSettings":{"SMS":{"status":"inactive"}}}"#, false),
            (#"{"type":"ContactUpdate","id":"c","dnd":true}"#, false),
            (#"{"type":"ContactDelete","id":"c"}"#, false),
        ])
    func optOutRules(_ body: String, _ optOut: Bool) throws {
        #expect(try sender().decode(request(Array(body.utf8))).events.count == (optOut ? 1 : 0))
    }

    @Test(
        "malformed payloads are bad requests",
        arguments: ["nope", "[]", #"{"id": "c"}"#, #"{"type": "ContactDndUpdate", "dnd": true}"#])
    func malformed(_ body: String) throws {
        let ghl = try sender()
        #expect(refusal { _ = try ghl.decode(request(Array(body.utf8))).throwingRefusal() } == 400)
    }

    @Test("HighLevel is told 429 with Retry-After where others are told 503")
    func dialect() throws {
        let ghl = try sender()
        let retry = ghl.respond(.retryLater(seconds: 30, problem: .badRequest("journal busy")))
        #expect(retry.status == 429)
        #expect(retry.headers["Retry-After"] == "30")
        #expect(ghl.respond(.handled(status: .deleted, ids: ["o"], duplicate: false)).status == 200)
        #expect(ghl.respond(.refused(.unauthorized("no"))).status == 401)
    }

    @Test("sign uses the private key's kind, checks the pair, and its header authenticates")
    func signRoundTrip() throws {
        let both = try sender(keys: ["gohighlevel-rsa-public.pem", "gohighlevel-ed25519-public.pem"])
        let body = try fixture("gohighlevel-dnd.json")
        #expect(refusal { _ = try both.sign(body: body, url: "u", now: now, privateKeyPEM: nil) } == 400)
        let rsa = try both.sign(body: body, url: "u", now: now, privateKeyPEM: try text("gohighlevel-rsa-private.pem"))
        let rsaHeader = try #require(rsa.headers.first { $0.name == "x-wh-signature" }?.value)
        // PKCS #1 v1.5 is deterministic, so the signature equals the one Python made.
        #expect(rsaHeader == (try text("gohighlevel-dnd-rsa-signature.txt")))
        #expect(refusal { try both.authenticate(request(body, rsa: rsaHeader), now: now) } == nil)
        let ed = try both.sign(
            body: body, url: "u", now: now, privateKeyPEM: try text("gohighlevel-ed25519-private.pem"))
        let edHeader = try #require(ed.headers.first { $0.name == "X-GHL-Signature" }?.value)
        #expect(edHeader == GoHighLevelSenderTests.dndEd25519Signature)
        #expect(refusal { try both.authenticate(request(body, ed25519: edHeader), now: now) } == nil)
        let stranger = try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
        #expect(refusal { _ = try both.sign(body: body, url: "u", now: now, privateKeyPEM: stranger) } == 400)
        #expect(refusal { _ = try both.sign(body: body, url: "u", now: now, privateKeyPEM: "junk") } == 400)
    }

    @Test(
        "configuration errors name the key",
        arguments: [
            ("{}", "missing required key 'publicKey'"), (#"{"publicKey": "MIIB"}"#, "in PEM"),
            (
                #"{"publicKey": "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----"}"#,
                "neither an RSA key"
            ),
        ])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try GoHighLevelSender(name: "ghl", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("a DND update that names no contact is one invalid event, without an index")
    func updateWithoutContact() throws {
        let body = Array(#"{"type": "ContactDndUpdate", "dnd": true, "webhookId": "w1"}"#.utf8)
        let decoded = try sender().decode(request(body))
        #expect(decoded.events.isEmpty)
        #expect(decoded.invalid.map(\.index) == [nil])
        #expect(decoded.invalid.map(\.eventId) == ["w1"])
        #expect(decoded.invalid.first?.reason.contains("names no contact") == true)
    }
}
