import Crypto
import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("Close sender")
struct CloseSenderTests {
    // Expected signatures were computed once with Python's hmac (hex-decoded key, timestamp + body), not with the
    // code under test.
    private let signatureKey = "6f1c2b0e9a7d4c3b8e5f0a1d2c3b4a5968778695a4b3c2d1e0f1a2b3c4d5e6f7"
    private static let timestamp = "1707991200"
    private static let unsubscribedSignature = "44241b5ffc44fc02db03c55dec47b0672f070e449e0106125e601414c03b703b"
    private let signedAt = Date(timeIntervalSince1970: 1_707_991_200)

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func sender() throws -> CloseSender {
        try CloseSender(name: "close", options: SenderOptions(#"{"signatureKey": "\#(signatureKey)"}"#))
    }

    private func request(_ body: [UInt8], signature: String?, timestamp: String? = CloseSenderTests.timestamp)
        -> HTTPRequest
    {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let signature { headers.add(name: "close-sig-hash", value: signature) }
        if let timestamp { headers.add(name: "close-sig-timestamp", value: timestamp) }
        return HTTPRequest(method: .post, path: "/hooks/close", headers: headers, body: body)
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

    @Test("the documented unsubscribed_email event is one opt-out of its address")
    func documentedExample() throws {
        let close = try sender()
        let signed = request(
            try fixture("close-unsubscribed-email.json"), signature: CloseSenderTests.unsubscribedSignature)
        try close.authenticate(signed, now: signedAt.addingTimeInterval(200))
        let events = try close.decode(signed).events
        #expect(events.map { $0.keys.map(\.description) } == [["email:steve@example.com"]])
        #expect(events.first?.eventId == "ev_1")
        #expect(events.first?.occurredAt == Date(timeIntervalSince1970: 1_707_991_200))
    }

    @Test(
        "contact events: newly unsubscribed addresses and deletions are opt-outs; renames and merges are not",
        arguments: [
            (
                "close-contact-updated.json", "a7a40bb3eb9aa0e3bf730d6636919c6b39b2e6788c89316bbd0d3b2bc45b2e99",
                [["close:cont_1", "email:ann@example.com"]], "ev_2@2024-02-15T10:05:02.456000"
            ),
            (
                "close-contact-deleted.json", "20e35d07dc03815a9552a6d60e718d26c50406e6f4e747e26780277f2fd9ce52",
                [["close:cont_2", "email:bo@example.com", "phone:+15550002222"]], "ev_4"
            ),
            ("close-contact-renamed.json", "e665d012a61367914e209a5c72fc6ff3b74586f4e90c0e940cebb6c881139055", [], nil),
            ("close-merge-deleted.json", "c2c57d7de9282e6616597371240ed63001910f75cbe0959f448da719e83d106b", [], nil),
        ] as [(String, String, [[String]], String?)])
    func contactEvents(_ file: String, _ signature: String, _ keys: [[String]], _ eventId: String?) throws {
        let close = try sender()
        let signed = request(try fixture(file), signature: signature)
        try close.authenticate(signed, now: signedAt)
        let events = try close.decode(signed).events
        #expect(events.map { $0.keys.map(\.description) } == keys)
        #expect(events.first?.eventId == eventId)
    }

    @Test("other object types and actions are ignored")
    func ignored() throws {
        let body = Array(
            #"{"event":{"id":"ev_9","object_type":"lead","action":"deleted","object_id":"lead_1","data":{}}}"#.utf8)
        #expect(try sender().decode(request(body, signature: nil)).events.isEmpty)
    }

    @Test(
        "bad signatures and stale or missing timestamps are refused",
        arguments: [
            (CloseSenderTests.unsubscribedSignature, CloseSenderTests.timestamp, 301.0),
            (CloseSenderTests.unsubscribedSignature, CloseSenderTests.timestamp, -301.0),
            (CloseSenderTests.unsubscribedSignature, "1707991201", 0.0),
            (CloseSenderTests.unsubscribedSignature, "2024-02-15T10:00:00Z", 0.0),
            (String(CloseSenderTests.unsubscribedSignature.dropLast()) + "0", CloseSenderTests.timestamp, 0.0),
            ("xyz", CloseSenderTests.timestamp, 0.0),
        ])
    func badSignatures(_ signature: String, _ timestamp: String, _ skew: Double) throws {
        let close = try sender()
        let signed = request(try fixture("close-unsubscribed-email.json"), signature: signature, timestamp: timestamp)
        #expect(refusal { try close.authenticate(signed, now: signedAt.addingTimeInterval(skew)) } == 401)
    }

    @Test("missing headers or a tampered body are refused")
    func missingAndTampered() throws {
        let close = try sender()
        var body = try fixture("close-unsubscribed-email.json")
        let good = CloseSenderTests.unsubscribedSignature
        #expect(refusal { try close.authenticate(request(body, signature: nil), now: signedAt) } == 401)
        #expect(
            refusal { try close.authenticate(request(body, signature: good, timestamp: nil), now: signedAt) } == 401)
        body[body.count - 3] ^= 0x01
        #expect(refusal { try close.authenticate(request(body, signature: good), now: signedAt) } == 401)
    }

    @Test(
        "malformed payloads are bad requests",
        arguments: [
            "nope", "[]", #"{"event": "x"}"#, #"{"event": {"id": "e"}}"#,
            #"{"event": {"id": "e", "object_type": "unsubscribed_email", "action": "created", "data": {}}}"#,
        ])
    func malformed(_ body: String) throws {
        let close = try sender()
        #expect(refusal { _ = try close.decode(request(Array(body.utf8), signature: nil)).throwingRefusal() } == 400)
    }

    @Test("sign's headers authenticate and match an HMAC computed with Crypto directly")
    func signRoundTrip() throws {
        let close = try sender()
        let body = try fixture("close-contact-deleted.json")
        let now = Date(timeIntervalSince1970: 1_760_000_000.7)
        let signed = try close.sign(body: body, url: "http://127.0.0.1/hooks/close", now: now, privateKeyPEM: nil)
        let headers = Dictionary(uniqueKeysWithValues: signed.headers.map { ($0.name, $0.value) })
        #expect(headers["close-sig-timestamp"] == "1760000000")
        let key = try #require(Data(hexString: signatureKey))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("1760000000".utf8) + body, using: SymmetricKey(data: key))
        #expect(headers["close-sig-hash"] == mac.map { String(format: "%02x", $0) }.joined())
        let request = request(body, signature: headers["close-sig-hash"], timestamp: headers["close-sig-timestamp"])
        #expect(refusal { try close.authenticate(request, now: now) } == nil)
    }

    @Test(
        "configuration errors name the key",
        arguments: [
            ("{}", "missing required key 'signatureKey'"), (#"{"signatureKey": "not hex"}"#, "must be the hex"),
        ])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try CloseSender(name: "close", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("an unsubscribed email without an address is one invalid event, without an index")
    func unsubscriptionWithoutContact() throws {
        let body = Array(
            #"{"event": {"id": "ev_9", "object_type": "unsubscribed_email", "action": "created", "data": {}}}"#.utf8)
        let decoded = try sender().decode(request(body, signature: nil))
        #expect(decoded.events.isEmpty)
        #expect(decoded.invalid.map(\.index) == [nil])
        #expect(decoded.invalid.map(\.eventId) == ["ev_9"])
        #expect(decoded.invalid.first?.reason.contains("names no contact") == true)
    }
}

extension Data {
    /// Bytes from hex text, for test keys.
    fileprivate init?(hexString: String) {
        var bytes: [UInt8] = []
        var index = hexString.startIndex
        while index < hexString.endIndex {
            let next = hexString.index(index, offsetBy: 2, limitedBy: hexString.endIndex) ?? hexString.endIndex
            guard let byte = UInt8(hexString[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
