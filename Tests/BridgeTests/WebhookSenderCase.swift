import Bridge
import FakeNLPearl
import Foundation
import Senders
import TestSupport
import Testing

/// One sender type as the webhook end-to-end tests drive it: its configuration, its documented payload and one that
/// is not an opt-out, the contact key they carry, and the ways a request of it can be spoiled.
///
/// Each sender is configured under its type's name. Requests are signed with the sender's own `sign`, made from the
/// same options the bridge was configured with (or from options with a wrong secret, for the wrong-signature case);
/// the signing code itself is checked against independent implementations in SendersTests.
struct WebhookSenderCase: Sendable, CustomTestStringConvertible {
    /// How the sender wants its answers.
    enum Dialect: Sendable {
        /// `{"status": …}` JSON, problems as `application/problem+json`.
        case json
        /// Salesforce's SOAP `notificationsResponse` with `<Ack>true</Ack>`, or a SOAP fault.
        case soap
        /// Twilio's empty TwiML `<Response>`.
        case twiml
    }

    /// Where the sender's proof of authenticity travels, for the missing-credentials case.
    enum Credentials: Sendable {
        /// Headers, all removed.
        case headers([String])
        /// The URL's `token` parameter.
        case queryToken
        /// The body's `token` member (Zoho).
        case bodyToken
    }

    /// A way to spoil an authentic request; each is answered 401.
    enum Spoiler: String, Sendable {
        /// Signed with another secret, token, password or key.
        case wrongSecret
        /// Signed with a timestamp 10 minutes old (the body's own timestamp for GoHighLevel).
        case staleTimestamp
        /// A byte of the contact changed after signing.
        case tamperedBody
        /// Without the signature header, the token or the credentials.
        case missingCredentials
        /// Signed for the URL the request reached (its Host) instead of the configured `publicURL`.
        case signedForHost
    }

    /// The type, also the sender's name.
    let type: String
    /// The sender's keys (besides `name` and `type`), as a JSON object.
    let options: @Sendable () throws -> String
    /// The same with a wrong secret.
    let wrongOptions: @Sendable () throws -> String
    /// The private key fixture that signs (SendGrid, GoHighLevel), and the one of another key pair.
    var privateKey: String?
    var wrongPrivateKey: String?
    /// The contact key the documented payload resolves through, mapped to the lead `lead-{type}`.
    let mappedKey: String
    let dialect: Dialect
    let credentials: Credentials
    let spoilers: [Spoiler]
    /// Text of the documented payload that a tampering changes (the contact, or Salesforce's organization id).
    var tamper: (from: String, to: String)?
    /// The fixtures' extension.
    var fileExtension = "json"
    /// Opt-out events in the documented payload.
    var events = 1

    var testDescription: String { type }

    var leadId: String { "lead-\(type)" }

    /// A mapping of ``mappedKey`` to ``leadId``.
    var mapping: String {
        """
        {"version": 1, "contacts": [
          {"keys": ["\(mappedKey)"], "leads": [{"pearlId": "\(examplePearl)", "leadId": "\(leadId)"}]}
        ]}
        """
    }

    /// The harness overrides that configure this sender.
    func overrides() throws -> [String: Any] {
        var sender = try #require(
            try JSONSerialization.jsonObject(with: Data(try options().utf8)) as? [String: Any])
        sender["name"] = type
        sender["type"] = type
        return ["senders": [sender]]
    }

    /// Runs `body` against a bridge configured with this sender and its mapping, and stops the bridge whatever
    /// happens: a harness left to its deinit while a request is still suspended aborts the whole test process in
    /// `MHD_stop_daemon`.
    ///
    /// - Parameters:
    ///   - extra: merged into the sender's overrides.
    ///   - logs: where the bridge's JSON log lines go; none by default.
    func withBridge(
        overrides extra: [String: Any] = [:], behaviour: FakeNLPearl.Behaviour = .succeed, logs: LogOutput? = nil,
        _ body: (BridgeHarness) async throws -> Void
    ) async throws {
        var overrides = try self.overrides()
        overrides.merge(extra) { _, new in new }
        let bridge = try await BridgeHarness(overrides: overrides, mapping: mapping, behaviour: behaviour, logs: logs)
        do {
            try await body(bridge)
        } catch {
            await bridge.stop()
            throw error
        }
        await bridge.stop()
    }

    /// The documented payload (`optout`) or the one that is not an opt-out (`other`), ready to send.
    func body(_ kind: String) throws -> [UInt8] {
        let body = try fixture("\(type)-\(kind).\(fileExtension)")
        // HighLevel's body carries a signed timestamp that must be recent: the documented one is long past.
        return type == "gohighlevel" ? withTimestamp(Date(), in: body) : body
    }

    // MARK: Requests

    /// A request as the sender would make it: target, headers and body.
    struct Request: Sendable {
        var target: String
        var headers: [(String, String)]
        var body: [UInt8]
    }

    /// `body` signed with the sender's own `sign`, for the bridge on `port`.
    func signed(
        _ body: [UInt8], port: Int, options: String? = nil, privateKey: String? = nil, now: Date = Date()
    ) throws -> Request {
        let json = try options ?? self.options()
        let object = String(json.dropLast()) + #", "name": "\#(type)", "type": "\#(type)"}"#
        let sender = try SenderRegistry.make(
            name: type, type: type, options: SenderOptions(object, defaultCountryCode: "+1"))
        let pem = try (privateKey ?? self.privateKey).map { String(decoding: try fixture($0), as: UTF8.self) }
        let signed = try sender.sign(
            body: body, url: "http://127.0.0.1:\(port)/hooks/\(type)", now: now, privateKeyPEM: pem)
        let authority = try #require(signed.url.range(of: "://"))
        let path = try #require(signed.url[authority.upperBound...].firstIndex(of: "/"))
        return Request(
            target: String(signed.url[path...]), headers: signed.headers.map { ($0.name, $0.value) }, body: body)
    }

    /// An authentic request of `body`, spoiled as `spoiler` says.
    func spoiled(_ spoiler: Spoiler, _ body: [UInt8], port: Int) throws -> Request {
        switch spoiler {
        case .wrongSecret:
            if case .bodyToken = credentials {
                // The token is the body's: a body with another token, signed by a sender that has that token.
                let wrong = replacing(#""token":"TOKEN_FOR_VERIFICATION""#, with: #""token":"NOT-THE-TOKEN""#, in: body)
                return try signed(wrong, port: port, options: wrongOptions())
            }
            return try signed(body, port: port, options: wrongOptions(), privateKey: wrongPrivateKey)
        case .staleTimestamp:
            if type == "gohighlevel" {
                return try signed(withTimestamp(Date() - 2 * 3600, in: body), port: port)
            }
            return try signed(body, port: port, now: Date() - 600)
        case .tamperedBody:
            let tamper = try #require(tamper)
            var request = try signed(body, port: port)
            request.body = replacing(tamper.from, with: tamper.to, in: body)
            #expect(request.body != body, "the tampering of \(type) changes nothing")
            return request
        case .missingCredentials:
            var request = try signed(body, port: port)
            switch credentials {
            case .headers(let names):
                request.headers.removeAll { header in names.contains { $0.lowercased() == header.0.lowercased() } }
            case .queryToken:
                request.target = String(request.target.prefix { $0 != "?" })
            case .bodyToken:
                request.body = replacing(#","token":"TOKEN_FOR_VERIFICATION""#, with: "", in: body)
            }
            return request
        case .signedForHost:
            let hostOptions = try options().replacingOccurrences(
                of: "https://bridge.example.com", with: "http://127.0.0.1:\(port)")
            return try signed(body, port: port, options: hostOptions)
        }
    }

    /// Sends `request` to the bridge on `port`.
    static func send(_ request: Request, port: Int) async throws -> RawHTTPConnection.Response {
        try await blocking {
            try RawHTTPConnection(port: port).request(
                "POST", request.target, headers: request.headers, body: request.body)
        }
    }

    // MARK: The fourteen types

    static let all: [WebhookSenderCase] = [
        WebhookSenderCase(
            type: "hubspot",
            options: { #"{"secret": "hubspot-secret", "publicURL": "https://bridge.example.com/hooks/hubspot"}"# },
            wrongOptions: { #"{"secret": "not-the-secret", "publicURL": "https://bridge.example.com/hooks/hubspot"}"# },
            mappedKey: "hubspot:1246965", dialect: .json, credentials: .headers(["X-HubSpot-Signature-v3"]),
            spoilers: [.wrongSecret, .staleTimestamp, .tamperedBody, .missingCredentials, .signedForHost],
            tamper: ("1246965", "1246966")),
        WebhookSenderCase(
            type: "salesforce",
            options: { #"{"organizationIds": ["00D000000000062"], "token": "salesforce-token"}"# },
            wrongOptions: { #"{"organizationIds": ["00D000000000062"], "token": "not-the-token"}"# },
            mappedKey: "salesforce:0035e00000Abcde", dialect: .soap, credentials: .queryToken,
            spoilers: [.wrongSecret, .tamperedBody, .missingCredentials],
            // Salesforce signs nothing: its organization id is what the body proves.
            tamper: ("00D000000000062", "00D000000000063"), fileExtension: "xml"),
        WebhookSenderCase(
            type: "pipedrive",
            options: { #"{"username": "pipedrive", "password": "pipedrive-password"}"# },
            wrongOptions: { #"{"username": "pipedrive", "password": "not-the-password"}"# },
            mappedKey: "pipedrive:8", dialect: .json, credentials: .headers(["Authorization"]),
            spoilers: [.wrongSecret, .missingCredentials]),
        WebhookSenderCase(
            type: "zoho",
            options: { #"{"token": "TOKEN_FOR_VERIFICATION"}"# },
            wrongOptions: { #"{"token": "NOT-THE-TOKEN"}"# },
            mappedKey: "zoho:5725767000003000064", dialect: .json, credentials: .bodyToken,
            spoilers: [.wrongSecret, .missingCredentials]),
        WebhookSenderCase(
            type: "activecampaign",
            options: { #"{"token": "activecampaign-token"}"# },
            wrongOptions: { #"{"token": "not-the-token"}"# },
            mappedKey: "activecampaign:123", dialect: .json, credentials: .queryToken,
            spoilers: [.wrongSecret, .missingCredentials], fileExtension: "txt"),
        WebhookSenderCase(
            type: "mailchimp",
            options: { #"{"token": "mailchimp-token"}"# },
            wrongOptions: { #"{"token": "not-the-token"}"# },
            mappedKey: "mailchimp:8a25ff1d98", dialect: .json, credentials: .queryToken,
            spoilers: [.wrongSecret, .missingCredentials], fileExtension: "txt"),
        WebhookSenderCase(
            type: "klaviyo",
            options: { #"{"secret": "klaviyo-secret"}"# },
            wrongOptions: { #"{"secret": "not-the-secret"}"# },
            mappedKey: "klaviyo:01HABC", dialect: .json, credentials: .headers(["Klaviyo-Signature"]),
            spoilers: [.wrongSecret, .staleTimestamp, .tamperedBody, .missingCredentials],
            tamper: ("01HABC", "01HABD")),
        WebhookSenderCase(
            type: "twilio",
            options: { #"{"authToken": "twilio-token", "publicURL": "https://bridge.example.com/hooks/twilio"}"# },
            wrongOptions: {
                #"{"authToken": "not-the-token", "publicURL": "https://bridge.example.com/hooks/twilio"}"#
            },
            mappedKey: "phone:+15551234567", dialect: .twiml, credentials: .headers(["X-Twilio-Signature"]),
            spoilers: [.wrongSecret, .tamperedBody, .missingCredentials, .signedForHost],
            tamper: ("From=%2B15551234567", "From=%2B15551234568"), fileExtension: "txt"),
        WebhookSenderCase(
            type: "intercom",
            options: { #"{"secret": "intercom-secret"}"# },
            wrongOptions: { #"{"secret": "not-the-secret"}"# },
            mappedKey: "intercom:5f00", dialect: .json, credentials: .headers(["X-Hub-Signature"]),
            spoilers: [.wrongSecret, .tamperedBody, .missingCredentials], tamper: (#""5f00""#, #""5f01""#)),
        WebhookSenderCase(
            type: "close",
            options: { #"{"signatureKey": "00112233445566778899aabbccddeeff"}"# },
            wrongOptions: { #"{"signatureKey": "ffeeddccbbaa99887766554433221100"}"# },
            mappedKey: "email:steve@example.com", dialect: .json,
            credentials: .headers(["close-sig-hash", "close-sig-timestamp"]),
            spoilers: [.wrongSecret, .staleTimestamp, .tamperedBody, .missingCredentials],
            tamper: ("steve@example.com", "steve@example.org")),
        WebhookSenderCase(
            type: "sendgrid",
            options: { #"{"publicKey": "\#(try fixtureText("sendgrid-public-key.txt"))"}"# },
            wrongOptions: { #"{"publicKey": "\#(try fixtureText("sendgrid-other-public-key.txt"))"}"# },
            privateKey: "sendgrid-private-key.pem", wrongPrivateKey: "sendgrid-other-private-key.pem",
            mappedKey: "email:example@test.com", dialect: .json,
            credentials: .headers(["X-Twilio-Email-Event-Webhook-Signature"]),
            spoilers: [.wrongSecret, .staleTimestamp, .tamperedBody, .missingCredentials],
            tamper: ("example@test.com", "example@test.org"), events: 2),
        WebhookSenderCase(
            type: "gohighlevel",
            options: { #"{"publicKey": \#(try jsonString(fixtureText("gohighlevel-rsa-public.pem")))}"# },
            wrongOptions: { #"{"publicKey": \#(try jsonString(fixtureText("gohighlevel-other-rsa-public.pem")))}"# },
            privateKey: "gohighlevel-rsa-private.pem", wrongPrivateKey: "gohighlevel-other-rsa-private.pem",
            mappedKey: "gohighlevel:nmFmQEsNgz6AVpgLVUJ0", dialect: .json, credentials: .headers(["x-wh-signature"]),
            spoilers: [.wrongSecret, .staleTimestamp, .tamperedBody, .missingCredentials],
            tamper: ("nmFmQEsNgz6AVpgLVUJ0", "nmFmQEsNgz6AVpgLVUJ1")),
        WebhookSenderCase(
            type: "standard",
            options: {
                #"{"secrets": ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "#
                    + #""fields": {"crmId": "/data/id", "email": "/data/email", "phone": "/data/phone"}, "#
                    + #""when": {"/type": "contact.opted_out"}}"#
            },
            wrongOptions: {
                #"{"secrets": ["whsec_bm90LXRoZS1zZWNyZXQtbm90LXRoZS1zZWNyZXQ="], "#
                    + #""fields": {"crmId": "/data/id"}}"#
            },
            mappedKey: "standard:c-1", dialect: .json, credentials: .headers(["webhook-signature"]),
            spoilers: [.wrongSecret, .staleTimestamp, .tamperedBody, .missingCredentials],
            tamper: (#""c-1""#, #""c-2""#)),
        WebhookSenderCase(
            type: "generic",
            options: {
                #"{"hmac": {"header": "X-Signature", "prefix": "sha256="}, "secret": "generic-secret", "#
                    + #""fields": {"crmId": "/contact/crm", "email": "/contact/email", "eventId": "/id"}, "#
                    + #""when": {"/event": "unsubscribe"}}"#
            },
            wrongOptions: {
                #"{"hmac": {"header": "X-Signature", "prefix": "sha256="}, "secret": "not-the-secret", "#
                    + #""fields": {"crmId": "/contact/crm"}}"#
            },
            mappedKey: "generic:991", dialect: .json, credentials: .headers(["X-Signature"]),
            spoilers: [.wrongSecret, .tamperedBody, .missingCredentials], tamper: (#""991""#, #""992""#)),
    ]
}

// MARK: Fixtures

/// The bytes of `Fixtures/name` in the test bundle.
func fixture(_ name: String) throws -> [UInt8] {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil), "no \(name)")
    return Array(try Data(contentsOf: url))
}

/// A fixture as text, without its trailing newline.
func fixtureText(_ name: String) throws -> String {
    String(decoding: try fixture(name), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// `text` as a JSON string literal.
func jsonString(_ text: String) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), as: UTF8.self)
}

/// `body` with every `from` replaced by `to`.
func replacing(_ from: String, with to: String, in body: [UInt8]) -> [UInt8] {
    Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: from, with: to).utf8)
}

/// A HighLevel body with its `"timestamp"` set to `date`.
func withTimestamp(_ date: Date, in body: [UInt8]) -> [UInt8] {
    let text = String(decoding: body, as: UTF8.self)
    guard let range = text.range(of: #""timestamp":"[^"]*""#, options: .regularExpression) else { return body }
    return Array(text.replacingCharacters(in: range, with: #""timestamp":"\#(date.ISO8601Format())""#).utf8)
}
