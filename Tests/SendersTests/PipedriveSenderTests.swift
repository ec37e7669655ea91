import Foundation
import MicroHTTP
import OptOutCore
import Senders
import Testing

@Suite("Pipedrive sender")
struct PipedriveSenderTests {
    private let now = Date(timeIntervalSince1970: 1_700_000_000)
    private static let customField = "5f2a0000aaaa0000bbbb0000cccc0000dddd0001"
    /// base64("pipedrive-hook:s3cret pass"), computed with Python.
    private static let goodAuthorization = "Basic cGlwZWRyaXZlLWhvb2s6czNjcmV0IHBhc3M="

    private func fixture(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return Array(try Data(contentsOf: url))
    }

    private func sender(optOutFields: [String] = [Self.customField]) throws -> PipedriveSender {
        let fields = optOutFields.map { "\"\($0)\"" }.joined(separator: ",")
        return try PipedriveSender(
            name: "pipedrive",
            options: SenderOptions(
                #"{"username": "pipedrive-hook", "password": "s3cret pass", "optOutFields": [\#(fields)]}"#))
    }

    private func request(_ body: [UInt8], authorization: String? = Self.goodAuthorization) -> HTTPRequest {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let authorization { headers.add(name: "Authorization", value: authorization) }
        return HTTPRequest(method: .post, path: "/hooks/pipedrive", headers: headers, body: body)
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

    @Test("Basic credentials are checked; a 401 carries the Basic challenge")
    func authentication() throws {
        let pipedrive = try sender()
        let body = try fixture("pipedrive-v2-change.json")
        #expect(refusal { try pipedrive.authenticate(request(body), now: now) } == nil)
        #expect(
            refusal {
                try pipedrive.authenticate(
                    request(body, authorization: "basic cGlwZWRyaXZlLWhvb2s6czNjcmV0IHBhc3M="), now: now)
            } == nil)
        for bad in [
            nil, "Bearer cGlwZWRyaXZlLWhvb2s6czNjcmV0IHBhc3M=", "Basic cGlwZWRyaXZlLWhvb2s6czNjcmV0IHBhc3Q=",
            "Basic cGlwZWRyaXZlLWhvb2s6czNjcmV0", "Basic !!!", "Basic",
        ] {
            #expect(
                refusal { try pipedrive.authenticate(request(body, authorization: bad), now: now) } == 401,
                "\(bad ?? "none")")
        }
        let challenge = pipedrive.respond(.refused(.unauthorized("no")))
        #expect(challenge.status == 401)
        #expect(challenge.headers["WWW-Authenticate"]?.hasPrefix("Basic realm=") == true)
        #expect(pipedrive.respond(.refused(.badRequest("no"))).headers["WWW-Authenticate"] == nil)
    }

    @Test("the documented v2 change, with marketing_status becoming unsubscribed, is an opt-out")
    func documentedChange() throws {
        let events = try sender().decode(request(try fixture("pipedrive-v2-change.json"))).events
        #expect(events.count == 1)
        #expect(events.first?.keys.map(\.description) == ["pipedrive:8", "email:a@b.com", "phone:+15551234567"])
        #expect(events.first?.eventId == "7c812ffd-0000-0000-0000-000000000000")
        #expect(events.first?.occurredAt.map { Int($0.timeIntervalSince1970) } == 1_669_303_115)
    }

    @Test("a v2 custom field in optOutFields becoming truthy is an opt-out; unlisted fields are not")
    func customFieldChange() throws {
        let body = try fixture("pipedrive-v2-custom-field.json")
        let events = try sender().decode(request(body)).events
        #expect(events.map { $0.keys.map(\.description) } == [["pipedrive:9", "email:c@d.com"]])
        #expect(events.first?.eventId == "8d923000-0000-0000-0000-000000000001")
        #expect(try sender(optOutFields: ["other"]).decode(request(body)).events.isEmpty)
    }

    @Test("a v2 change of another field of an opted-out person is not a new opt-out")
    func unrelatedChange() throws {
        #expect(try sender().decode(request(try fixture("pipedrive-v2-name-change.json"))).events.isEmpty)
    }

    @Test("a v2 delete is an opt-out with the deleted person's addresses; a merge-delete carries only its id")
    func deletions() throws {
        let pipedrive = try sender()
        let deleted = try pipedrive.decode(request(try fixture("pipedrive-v2-delete.json"))).events
        #expect(
            deleted.map { $0.keys.map(\.description) } == [
                ["pipedrive:12", "email:gone@example.com", "phone:+15550001111"]
            ])
        #expect(deleted.first?.eventId == "a0145000-0000-0000-0000-000000000003")
        let merged = try pipedrive.decode(request(try fixture("pipedrive-v2-merge.json"))).events
        #expect(merged.map { $0.keys.map(\.description) } == [["pipedrive:13"]])
    }

    @Test("entities other than persons are ignored")
    func otherEntities() throws {
        #expect(try sender().decode(request(try fixture("pipedrive-v2-deal.json"))).events.isEmpty)
    }

    @Test(
        "v1: deleted.person is an opt-out; a custom field becoming truthy is one; the event id joins id, action, time")
    func version1() throws {
        let pipedrive = try sender()
        let deleted = try pipedrive.decode(request(try fixture("pipedrive-v1-deleted.json"))).events
        #expect(
            deleted.map { $0.keys.map(\.description) } == [
                ["pipedrive:21", "email:old@example.com", "phone:+15553334444"]
            ])
        #expect(deleted.first?.eventId == "21-deleted-1669300000123456")
        #expect(deleted.first?.occurredAt == Date(timeIntervalSince1970: 1_669_300_000))
        let updated = try pipedrive.decode(request(try fixture("pipedrive-v1-updated.json"))).events
        #expect(updated.map { $0.keys.map(\.description) } == [["pipedrive:22", "email:field@example.com"]])
        #expect(updated.first?.eventId == "22-updated-1669300100654321")
        #expect(try sender(optOutFields: []).decode(request(try fixture("pipedrive-v1-updated.json"))).events.isEmpty)
    }

    @Test("v1 merged names the merged-away person by merge_what_id")
    func version1Merge() throws {
        let body = Array(
            #"""
            {"v":1,"meta":{"v":1,"action":"merged","object":"person","id":30,"timestamp":1669300200},
             "current":{"id":30,"merge_what_id":31,"email":[{"value":"keep@example.com"}]},"previous":{"id":30}}
            """#.utf8)
        let events = try sender().decode(request(body)).events
        #expect(events.map { $0.keys.map(\.description) } == [["pipedrive:31"]])
    }

    @Test(
        "custom field values are judged truthy as documented",
        arguments: [
            (#"true"#, true), (#"false"#, false), (#"1"#, true), (#"0"#, false), (#""Yes""#, true),
            (#""no""#, false), (#"" ""#, false), (#""0""#, false), (#"null"#, false),
            (#"{"value": "opted out"}"#, true), (#"{"value": null}"#, false), (#"[]"#, false), (#"[0, 2]"#, true),
        ])
    func truthiness(_ value: String, _ truthy: Bool) throws {
        let body = Array(
            #"""
            {"data":{"id":5,"custom_fields":{"\#(Self.customField)":\#(value)}},"previous":null,
             "meta":{"action":"create","entity":"person","entity_id":"5","id":"e1"}}
            """#.utf8)
        #expect(try sender().decode(request(body)).events.count == (truthy ? 1 : 0))
    }

    @Test(
        "malformed payloads are bad requests",
        arguments: [
            "nope", "[]", #"{"data": {}}"#, #"{"meta": {"entity": "person"}}"#,
            #"{"meta": {"v": 1, "object": "person"}}"#,
            #"{"meta":{"action":"delete","entity":"person","id":"x"},"data":null,"previous":null}"#,
        ])
    func malformed(_ body: String) throws {
        let pipedrive = try sender()
        #expect(refusal { _ = try pipedrive.decode(request(Array(body.utf8))).throwingRefusal() } == 400)
    }

    @Test("sign gives the Authorization header that authenticates")
    func signRoundTrip() throws {
        let pipedrive = try sender()
        let body = try fixture("pipedrive-v2-change.json")
        let signed = try pipedrive.sign(
            body: body, url: "http://127.0.0.1:8080/hooks/pipedrive", now: now, privateKeyPEM: nil)
        let authorization = signed.headers.first { $0.name == "Authorization" }?.value
        #expect(authorization == Self.goodAuthorization)
        #expect(refusal { try pipedrive.authenticate(request(body, authorization: authorization), now: now) } == nil)
    }

    @Test(
        "configuration errors name the key",
        arguments: [
            (#"{"password": "p"}"#, "missing required key 'username'"),
            (#"{"username": "u"}"#, "missing required key 'password'"),
            (#"{"username": "u:v", "password": "p"}"#, "must not contain ':'"),
        ])
    func configurationErrors(_ json: String, _ message: String) {
        do {
            _ = try PipedriveSender(name: "pipedrive", options: SenderOptions(json))
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.diagnostics.contains { $0.message.contains(message) }, "\(error.diagnostics)")
        }
    }

    @Test("a deleted person that names no contact is one invalid event, without an index")
    func deletionWithoutContact() throws {
        let body = Array(
            #"{"meta":{"action":"delete","entity":"person","id":"x"},"data":null,"previous":null}"#.utf8)
        let decoded = try sender().decode(request(body))
        #expect(decoded.events.isEmpty)
        #expect(decoded.invalid.map(\.index) == [nil])
        #expect(decoded.invalid.map(\.eventId) == ["x"])
        #expect(decoded.invalid.first?.reason.contains("names no contact") == true)
    }
}
