import Foundation
import MicroHTTP
import Senders
import Testing

/// Senders whose body is signed name an event that came without an id of its own by the SHA-256 of the signed body
/// (and its index in a batch), so that a replay or a resend of the same signed body is a duplicate in the journal.
///
/// The digests were computed once with Python's hashlib over the bodies below, not with the code under test.
@Suite("Body digest event ids")
struct BodyDigestEventIdTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var type: String
        var options: @Sendable () throws -> String
        var body: String
        var eventIds: [String?]

        var testDescription: String { type }
    }

    static let cases: [Case] = [
        Case(
            type: "klaviyo", options: { #"{"secret": "s"}"# },
            body: #"{"data":[{"topic":"event:klaviyo.unsubscribed_from_sms_marketing","payload":{"data":"#
                + #"{"type":"event","relationships":{"profile":{"data":{"type":"profile","id":"01HABC"}}}}}}]}"#,
            eventIds: ["body-sha256:3f28d6b8dca2a3480097ab6ddeb7c817093f02934f5131699f5fe330b15f599e#0"]),
        Case(
            type: "intercom", options: { #"{"secret": "s"}"# },
            body: #"{"type":"notification_event","topic":"contact.unsubscribed","#
                + #""data":{"item":{"type":"contact","id":"5f00"}}}"#,
            eventIds: ["body-sha256:971f85057a3b6fbaa8d6ef6c551f0d60aebb1f590ebf2d09f6867c4468ffbdbc"]),
        Case(
            type: "close", options: { #"{"signatureKey": "00112233445566778899aabbccddeeff"}"# },
            body: #"{"event":{"object_type":"unsubscribed_email","action":"created","#
                + #""data":{"email":"steve@example.com"}}}"#,
            eventIds: ["body-sha256:3142b16dbe340fc760d5ab45ffc1c915803efc02b7dbf19f2c4c3ab733976dd4"]),
        Case(
            type: "sendgrid",
            options: { #"{"publicKey": "\#(try fixtureText("sendgrid-public-key.txt"))"}"# },
            body: #"[{"email":"a@b.com","event":"delivered"},{"email":"a@b.com","event":"unsubscribe"}]"#,
            eventIds: ["body-sha256:95e491213923195d2f0f3cb4fa8befce171e559cbb4d7a9bae34f2d36c217121#1"]),
        Case(
            type: "gohighlevel",
            options: { #"{"publicKey": \#(try jsonString(fixtureText("gohighlevel-rsa-public.pem")))}"# },
            body: #"{"type":"ContactDndUpdate","id":"nmFmQEsNgz6AVpgLVUJ0","dnd":true}"#,
            eventIds: ["body-sha256:b3db2793c1f32b995deee7d53e83be6269f6e49bc8379b16e54a5ef806071287"]),
        Case(
            type: "generic",
            options: {
                #"{"hmac": {"header": "X-Signature"}, "secret": "s", "fields": {"email": "/email"}, "#
                    + #""when": {"/event": "unsubscribe"}}"#
            },
            body: #"[{"event":"unsubscribe","email":"a@b.com"}]"#,
            eventIds: ["body-sha256:f96257c3f9c41f9d26a6231fbd1b1d950713926fe679522a28c7ee457852dc90#0"]),
        // A bearer token signs nothing: anyone who holds it can send any body, so its digest proves nothing.
        Case(
            type: "generic", options: { #"{"bearer": "t", "fields": {"email": "/email"}}"# },
            body: #"[{"event":"unsubscribe","email":"a@b.com"}]"#, eventIds: [nil]),
        // Twilio signs the sorted parameters, not the body's bytes: the digest is of what it signs.
        Case(
            type: "twilio", options: { #"{"authToken": "t", "publicURL": "https://bridge.example.com/hooks/t"}"# },
            body: "From=%2B15551234567&Body=STOP",
            eventIds: ["body-sha256:4925f98bb28674ca4893bcec8773c79e11292793309bb1f6d308b4524f37fade"]),
        Case(
            type: "twilio", options: { #"{"authToken": "t", "publicURL": "https://bridge.example.com/hooks/t"}"# },
            body: "Body=STOP&From=%2B15551234567",
            eventIds: ["body-sha256:4925f98bb28674ca4893bcec8773c79e11292793309bb1f6d308b4524f37fade"]),
    ]

    @Test("an event without an id of its own is named by the digest of the signed body", arguments: cases)
    func unnamedEventsAreNamedByTheSignedBody(_ testCase: Case) throws {
        let object = String(try testCase.options().dropLast()) + #", "name": "x", "type": "\#(testCase.type)"}"#
        let sender = try SenderRegistry.make(
            name: testCase.type, type: testCase.type, options: SenderOptions(object, defaultCountryCode: "+1"))
        let request = HTTPRequest(
            method: .post, path: "/hooks/x", rawURI: "/hooks/x", headers: [:], body: Array(testCase.body.utf8))
        let decoded = try sender.decode(request)
        #expect(decoded.invalid.isEmpty)
        #expect(decoded.events.map(\.eventId) == testCase.eventIds)
    }
}

/// A fixture as text, without its trailing newline.
private func fixtureText(_ name: String) throws -> String {
    let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
    return try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
}

/// `text` as a JSON string literal.
private func jsonString(_ text: String) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed]), as: UTF8.self)
}
