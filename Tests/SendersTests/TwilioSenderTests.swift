import Crypto
import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("Twilio sender")
struct TwilioSenderTests {
    // Expected signatures were computed once with Python's hmac (Twilio's algorithm: URL, then each parameter's name
    // and value sorted by name), not with the code under test.
    private let authToken = "twilio-auth-token-0123"
    private let publicURL = "https://bridge.example.com/hooks/twilio"
    private static let stopSignature = "paKEtEK29a1+DTi9gqo6fuvEUx4="

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func sender(token: String? = nil, url: String? = nil) throws -> TwilioSender {
        try TwilioSender(
            name: "twilio",
            options: SenderOptions(#"{"authToken": "\#(token ?? authToken)", "publicURL": "\#(url ?? publicURL)"}"#))
    }

    private func request(_ body: [UInt8], signature: String?, target: String = "/hooks/twilio") -> HTTPRequest {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let signature { headers.add(name: "X-Twilio-Signature", value: signature) }
        return HTTPRequest(method: .post, path: "/hooks/twilio", rawURI: target, headers: headers, body: body)
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

    @Test("the published vector of Twilio's security guide authenticates against publicURL plus the raw query")
    func publishedVector() throws {
        let twilio = try sender(token: "12345", url: "https://mycompany.com/myapp.php")
        let signed = request(
            try fixture("twilio-vector.txt"), signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
            target: "/myapp.php?foo=1&bar=2")
        #expect(refusal { try twilio.authenticate(signed, now: Date()) } == nil)
        // The same parameters without the query in the URL are not what Twilio signed.
        let withoutQuery = request(try fixture("twilio-vector.txt"), signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        #expect(refusal { try twilio.authenticate(withoutQuery, now: Date()) } == 401)
    }

    @Test("the documented STOP message is one opt-out of From, with MessageSid as event id")
    func documentedStop() throws {
        let twilio = try sender()
        let signed = request(try fixture("twilio-stop.txt"), signature: TwilioSenderTests.stopSignature)
        try twilio.authenticate(signed, now: Date())
        let events = try twilio.decode(signed).events
        #expect(events.map { $0.keys.map(\.description) } == [["phone:+15551234567"]])
        #expect(events.first?.eventId == "SM0001")
    }

    @Test("a keyword in any case with whitespace, without OptOutType, is an opt-out; SmsSid is the event id")
    func keywordWithoutAdvancedOptOut() throws {
        let twilio = try sender()
        let signed = request(
            try fixture("twilio-keyword.txt"), signature: "0KOwAPuS+d1+Uee+bLygl2wboZc=",
            target: "/hooks/twilio?src=sms%20in")
        try twilio.authenticate(signed, now: Date())
        let events = try twilio.decode(signed).events
        #expect(events.map { $0.keys.map(\.description) } == [["phone:+15559876543"]])
        #expect(events.first?.eventId == "SM0002")
    }

    @Test("a signature over the URL with the default port added is accepted, as Twilio's validators do")
    func defaultPortVariant() throws {
        let signed = request(try fixture("twilio-stop.txt"), signature: "DnZpWZXEIv/My+N4CpBrDh7t0vc=")
        #expect(refusal { try sender().authenticate(signed, now: Date()) } == nil)
        let explicitPort = try sender(url: "https://bridge.example.com:443/hooks/twilio")
        let plain = request(try fixture("twilio-stop.txt"), signature: TwilioSenderTests.stopSignature)
        #expect(refusal { try explicitPort.authenticate(plain, now: Date()) } == nil)
    }

    @Test("START is not an opt-out")
    func start() throws {
        let twilio = try sender()
        let signed = request(try fixture("twilio-start.txt"), signature: "rekYR50QPXGsu4M1WNq2ucaMbY4=")
        try twilio.authenticate(signed, now: Date())
        #expect(try twilio.decode(signed).events.isEmpty)
    }

    @Test(
        "which messages are opt-outs",
        arguments: [
            ("STOP", nil, true), ("stopall", nil, true), (" Unsubscribe ", nil, true), ("cancel", nil, true),
            ("End", nil, true), ("QUIT\n", nil, true), ("HELP", nil, false), ("START", nil, false),
            ("please stop", nil, false), ("Arrêt", "STOP", true), ("STOP", "START", false), ("hi", "HELP", false),
            ("", nil, false),
        ] as [(String, String?, Bool)])
    func optOutRules(_ body: String, _ optOutType: String?, _ optOut: Bool) throws {
        var form =
            "MessageSid=SM9&From=%2B15551234567&Body="
            + (body.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        if let optOutType { form += "&OptOutType=" + optOutType }
        let events = try sender().decode(request(Array(form.utf8), signature: nil)).events
        #expect(events.count == (optOut ? 1 : 0))
    }

    @Test("a WhatsApp sender address yields its phone number")
    func whatsAppAddress() throws {
        let body = Array("MessageSid=SM10&From=whatsapp%3A%2B15551234567&Body=STOP".utf8)
        let events = try sender().decode(request(body, signature: nil)).events
        #expect(events.map { $0.keys.map(\.description) } == [["phone:+15551234567"]])
    }

    @Test("bad signatures, a tampered body and a missing header are refused")
    func refusals() throws {
        let twilio = try sender()
        var body = try fixture("twilio-stop.txt")
        #expect(refusal { try twilio.authenticate(request(body, signature: nil), now: Date()) } == 401)
        #expect(refusal { try twilio.authenticate(request(body, signature: "not base64!"), now: Date()) } == 401)
        #expect(
            refusal { try twilio.authenticate(request(body, signature: "rekYR50QPXGsu4M1WNq2ucaMbY4="), now: Date()) }
                == 401)
        let otherToken = try sender(token: "another-token")
        #expect(
            refusal {
                try otherToken.authenticate(request(body, signature: TwilioSenderTests.stopSignature), now: Date())
            } == 401)
        body[body.count - 1] = UInt8(ascii: "1")
        #expect(
            refusal { try twilio.authenticate(request(body, signature: TwilioSenderTests.stopSignature), now: Date()) }
                == 401)
        // An extra query parameter changes the signed URL.
        let extraQuery = request(
            try fixture("twilio-stop.txt"), signature: TwilioSenderTests.stopSignature, target: "/hooks/twilio?x=1")
        #expect(refusal { try twilio.authenticate(extraQuery, now: Date()) } == 401)
    }

    @Test("a body that is not a Twilio message, or a STOP without From, is a bad request")
    func malformed() throws {
        let twilio = try sender()
        #expect(
            refusal { _ = try twilio.decode(request(Array("hello".utf8), signature: nil)).throwingRefusal() } == 400)
        let noFrom = Array("MessageSid=SM11&Body=STOP".utf8)
        #expect(refusal { _ = try twilio.decode(request(noFrom, signature: nil)).throwingRefusal() } == 400)
    }

    @Test("journaled answers are empty TwiML; retries and refusals stay problems")
    func dialect() throws {
        let twilio = try sender()
        let twiml = #"<?xml version="1.0" encoding="UTF-8"?><Response></Response>"#
        for answer in [
            WebhookAnswer.handled(status: .queued, ids: ["o1"], duplicate: false),
            .handled(status: .ignored, ids: [], duplicate: false), .unmapped(ids: ["o2"]),
        ] {
            let response = twilio.respond(answer)
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == "text/xml")
            #expect(String(decoding: response.body, as: UTF8.self) == twiml)
        }
        let retry = twilio.respond(.retryLater(seconds: 7, problem: .badRequest("busy")))
        #expect(retry.status == 503)
        #expect(retry.headers["Retry-After"] == "7")
        #expect(twilio.respond(.refused(.unauthorized("no"))).status == 401)
    }

    @Test("sign's header authenticates and matches an HMAC-SHA1 computed with Crypto directly")
    func signRoundTrip() throws {
        let twilio = try sender()
        let body = try fixture("twilio-stop.txt")
        let signed = try twilio.sign(body: body, url: publicURL, now: Date(), privateKeyPEM: nil)
        let header = try #require(signed.headers.first { $0.name == "X-Twilio-Signature" }?.value)
        let source =
            publicURL + "AccountSidAC0001BodySTOPFrom+15551234567MessageSidSM0001MessagingServiceSidMG0001"
            + "NumMedia0OptOutTypeSTOPTo+15557654321"
        let mac = HMAC<Insecure.SHA1>.authenticationCode(
            for: Array(source.utf8), using: SymmetricKey(data: Array(authToken.utf8)))
        #expect(header == Data(mac).base64EncodedString())
        #expect(header == TwilioSenderTests.stopSignature)
        #expect(refusal { try twilio.authenticate(request(body, signature: header), now: Date()) } == nil)
    }

    @Test("sign for a local URL signs publicURL with that URL's query, as Twilio would and authenticate checks")
    func signForALocalURLSignsThePublicURL() throws {
        let twilio = try sender()
        let body = try fixture("twilio-stop.txt")
        let signed = try twilio.sign(
            body: body, url: "http://127.0.0.1:8080/hooks/twilio?x=1", now: Date(), privateKeyPEM: nil)
        #expect(signed.url == "http://127.0.0.1:8080/hooks/twilio?x=1")
        let header = try #require(signed.headers.first { $0.name == "X-Twilio-Signature" }?.value)
        let source =
            publicURL + "?x=1" + "AccountSidAC0001BodySTOPFrom+15551234567MessageSidSM0001MessagingServiceSidMG0001"
            + "NumMedia0OptOutTypeSTOPTo+15557654321"
        let mac = HMAC<Insecure.SHA1>.authenticationCode(
            for: Array(source.utf8), using: SymmetricKey(data: Array(authToken.utf8)))
        #expect(header == Data(mac).base64EncodedString())
        let sent = request(body, signature: header, target: "/hooks/twilio?x=1")
        #expect(refusal { try twilio.authenticate(sent, now: Date()) } == nil)
    }

    @Test(
        "configuration errors name the key",
        arguments: [
            (#"{"publicURL": "https://a.example/hooks/t"}"#, "missing required key 'authToken'"),
            (#"{"authToken": "t"}"#, "missing required key 'publicURL'"),
            (#"{"authToken": "t", "publicURL": "/hooks/t"}"#, "'publicURL' must be the absolute"),
            (#"{"authToken": "t", "publicURL": "https://a.example/h?x=1"}"#, "without a query"),
        ])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try TwilioSender(name: "twilio", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("a STOP without From is one invalid event, without an index, under its MessageSid")
    func stopWithoutFrom() throws {
        let decoded = try sender().decode(request(Array("MessageSid=SM11&Body=STOP".utf8), signature: nil))
        #expect(decoded.events.isEmpty)
        #expect(decoded.invalid.map(\.index) == [nil])
        #expect(decoded.invalid.map(\.eventId) == ["SM11"])
        #expect(decoded.invalid.first?.reason.contains("names no contact") == true)
    }
}
