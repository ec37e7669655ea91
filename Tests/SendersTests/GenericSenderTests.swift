import Crypto
import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("Generic sender")
struct GenericSenderTests {
    // Expected signatures were computed once with Python's hmac over the fixture files, not with the code under test.
    private static let sha256Hex = "sha256=6de4ecf8e2e2bbbe0954fab361bb76f23a69ca21248ab5752f9af30cece26917"
    private static let sha1Base64 = "ZzRGj3DXDvp2LpAOTSHvqtgkhLs="
    private static let fields =
        #""fields": {"crmId": "/contact/crm", "email": "/contact/email", "phone": "/contact/mobile", "eventId": "/id"}"#
    private static let when = #""when": {"/event": "unsubscribe"}"#

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func sender(_ authentication: String) throws -> GenericSender {
        let json = "{\(authentication), \(GenericSenderTests.fields), \(GenericSenderTests.when)}"
        let options = try SenderOptions.configured(
            json, type: "generic", environment: ["GEN_TOKEN": "t0k3n"], defaultCountryCode: "+1")
        return try GenericSender(name: "gen", options: options)
    }

    private func hmacSender() throws -> GenericSender {
        try sender(#""hmac": {"header": "X-Signature", "prefix": "sha256="}, "secret": "generic-hmac-secret""#)
    }

    private func request(_ body: [UInt8], headers: [(String, String)]) -> HTTPRequest {
        var fields: HTTPFields = [.contentType: "application/json"]
        for (name, value) in headers { fields.add(name: name, value: value) }
        return HTTPRequest(method: .post, path: "/hooks/gen", headers: fields, body: body)
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

    @Test("a body signed with a prefixed hex HMAC-SHA256 yields its event; a numeric phone takes the default +1")
    func hmacHex() throws {
        let generic = try hmacSender()
        let signed = request(try fixture("generic-unsubscribe.json"), headers: [("X-Signature", Self.sha256Hex)])
        try generic.authenticate(signed, now: Date())
        let events = try generic.decode(signed).events
        #expect(
            events.map { $0.keys.map(\.description) } == [["gen:991", "email:gen@example.com", "phone:+15551230000"]])
        #expect(events.first?.eventId == "g-1")
    }

    @Test("a base64 HMAC-SHA1 without prefix authenticates; an array keeps only events matching when")
    func hmacBase64Batch() throws {
        let generic = try sender(
            #""hmac": {"header": "X-Hook-Sig", "algorithm": "sha1", "encoding": "base64"}, "#
                + #""secret": "generic-hmac-secret""#
        )
        let signed = request(try fixture("generic-batch.json"), headers: [("X-Hook-Sig", Self.sha1Base64)])
        try generic.authenticate(signed, now: Date())
        let events = try generic.decode(signed).events
        #expect(events.map { $0.keys.map(\.description) } == [["gen:992", "email:a2@example.com"]])
        #expect(events.map(\.eventId) == ["g-2"])
    }

    @Test("a bearer token from the environment authenticates, in any case of the scheme")
    func bearer() throws {
        let generic = try sender(#""bearer": "env:GEN_TOKEN""#)
        let body = try fixture("generic-unsubscribe.json")
        #expect(
            refusal {
                try generic.authenticate(request(body, headers: [("Authorization", "Bearer t0k3n")]), now: Date())
            } == nil)
        #expect(
            refusal {
                try generic.authenticate(request(body, headers: [("Authorization", "bearer t0k3n")]), now: Date())
            } == nil)
        for value in ["Bearer t0k3n2", "Bearer t0k3", "Basic dDBrM24=", "t0k3n"] {
            #expect(
                refusal { try generic.authenticate(request(body, headers: [("Authorization", value)]), now: Date()) }
                    == 401)
        }
        #expect(refusal { try generic.authenticate(request(body, headers: []), now: Date()) } == 401)
    }

    @Test("bad HMACs, a missing prefix, a missing header and a tampered body are refused")
    func hmacRefusals() throws {
        let generic = try hmacSender()
        var body = try fixture("generic-unsubscribe.json")
        let good = Self.sha256Hex
        for headers in [
            [], [("X-Other", good)], [("X-Signature", String(good.dropFirst(7)))],
            [("X-Signature", "sha256=" + String(repeating: "0", count: 64))], [("X-Signature", "sha256=xyz")],
        ] as [[(String, String)]] {
            #expect(refusal { try generic.authenticate(request(body, headers: headers), now: Date()) } == 401)
        }
        body[2] ^= 0x01
        #expect(
            refusal { try generic.authenticate(request(body, headers: [("X-Signature", good)]), now: Date()) } == 401)
    }

    @Test(
        "when compares JSON values structurally",
        arguments: [
            (#"{"/n": 1}"#, #"{"n": 1.0, "e": "a@b.co"}"#, true), (#"{"/n": 1}"#, #"{"n": "1", "e": "a@b.co"}"#, false),
            (#"{"/a/0": true}"#, #"{"a": [true], "e": "a@b.co"}"#, true),
            (#"{"/x": null}"#, #"{"e": "a@b.co"}"#, false),
            (#"{"/x": null, "/y": "z"}"#, #"{"x": null, "y": "z", "e": "a@b.co"}"#, true),
        ])
    func whenConditions(_ when: String, _ body: String, _ matches: Bool) throws {
        let generic = try GenericSender(
            name: "gen", options: SenderOptions(#"{"bearer": "t", "fields": {"email": "/e"}, "when": \#(when)}"#))
        #expect(try generic.decode(request(Array(body.utf8), headers: [])).events.count == (matches ? 1 : 0))
    }

    @Test(
        "malformed bodies and matching events without a key are bad requests",
        arguments: ["nope", "true", #"["x"]"#, #"{"event": "unsubscribe", "contact": {}}"#])
    func malformed(_ body: String) throws {
        let generic = try hmacSender()
        #expect(refusal { _ = try generic.decode(request(Array(body.utf8), headers: [])).throwingRefusal() } == 400)
    }

    @Test("sign's header authenticates and matches an HMAC computed with Crypto directly")
    func signRoundTrip() throws {
        let generic = try hmacSender()
        let body = try fixture("generic-batch.json")
        let signed = try generic.sign(body: body, url: "http://127.0.0.1/hooks/gen", now: Date(), privateKeyPEM: nil)
        let header = try #require(signed.headers.first { $0.name == "X-Signature" }?.value)
        let mac = HMAC<SHA256>.authenticationCode(
            for: body, using: SymmetricKey(data: Array("generic-hmac-secret".utf8)))
        #expect(header == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
        #expect(
            refusal { try generic.authenticate(request(body, headers: [("X-Signature", header)]), now: Date()) } == nil)
        let bearer = try sender(#""bearer": "env:GEN_TOKEN""#)
        let bearerSigned = try bearer.sign(body: body, url: "u", now: Date(), privateKeyPEM: nil)
        #expect(bearerSigned.headers.contains(.init("Authorization", "Bearer t0k3n")))
    }

    @Test(
        "configuration errors name the key",
        arguments: [
            (#"{"fields": {"email": "/e"}}"#, "missing authentication"),
            (#"{"bearer": "t", "hmac": {"header": "X"}, "secret": "s", "fields": {"email": "/e"}}"#, "not both"),
            (#"{"hmac": {"header": "X"}, "fields": {"email": "/e"}}"#, "missing required key 'secret'"),
            (
                #"{"hmac": {"algorithm": "sha256"}, "secret": "s", "fields": {"email": "/e"}}"#,
                "missing required key 'header'"
            ),
            (
                #"{"hmac": {"header": "X", "algorithm": "md5"}, "secret": "s", "fields": {"email": "/e"}}"#,
                "sha256 or sha1"
            ),
            (
                #"{"hmac": {"header": "X", "encoding": "b64"}, "secret": "s", "fields": {"email": "/e"}}"#,
                "hex or base64"
            ),
            (#"{"hmac": {"header": "X", "secret": "s"}, "fields": {"email": "/e"}}"#, "beside 'hmac'"),
            (
                #"{"hmac": {"header": "X", "prefx": "a"}, "secret": "s", "fields": {"email": "/e"}}"#,
                "did you mean 'prefix'?"
            ),
            (#"{"hmac": "X", "secret": "s", "fields": {"email": "/e"}}"#, "'hmac' must be an object"),
            (#"{"bearer": "t", "secret": "s", "fields": {"email": "/e"}}"#, "with 'bearer' there is none"),
            (#"{"bearer": "t"}"#, "missing required key 'fields'"),
            (#"{"bearer": "t", "fields": "/e"}"#, "'fields' must be an object"),
            (#"{"bearer": "t", "fields": {"email": 3}}"#, "must be a JSON pointer string"),
            (#"{"bearer": "t", "fields": {"email": "/e"}, "when": {"x": 1}}"#, "'when' key: invalid JSON pointer"),
        ])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try GenericSender(name: "gen", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("a bad event of a batch is invalid at its index, and the others are still opt-outs")
    func oneBadEventOfABatch() throws {
        let generic = try GenericSender(
            name: "gen", options: SenderOptions(#"{"bearer": "t", "fields": {"email": "/email", "eventId": "/id"}}"#))
        let body = Array(#"[{"id":"e1","email":"a@b.com"},{"id":"e2","email":"nope"}]"#.utf8)
        let decoded = try generic.decode(request(body, headers: []))
        #expect(decoded.events.map(\.eventId) == ["e1"])
        #expect(decoded.events.map { $0.keys.map(\.description) } == [["email:a@b.com"]])
        let invalid = try #require(decoded.invalid.first)
        #expect(decoded.invalid.count == 1)
        #expect(invalid.index == 1)
        #expect(invalid.eventId == "e2")
        #expect(invalid.identifiers.map(\.description) == ["email:nope"])
        #expect(invalid.reason.contains("'nope' is not an email address"))
        #expect(decoded.refusal == nil)
    }
}
