import Foundation
import NIOHTTP1
import Testing

@testable import FakeNLPearl

@Suite("The fake's blacklist over loopback")
struct FakeNLPearlBlacklistServerTests {
    /// Sends a raw blacklist request, with the right token and content type unless told otherwise.
    static func send(
        _ fake: FakeNLPearl,
        method: String = "POST",
        headers: [(String, String)] = [("Authorization", "Bearer acct:secret"), ("Content-Type", "application/json")],
        body: String? = #"{"phoneNumbers":["+15551234567"]}"#
    ) async throws -> (status: Int, headers: [(String, String)], body: String) {
        try await FakeNLPearlServerTests.send(
            fake, method: .init(rawValue: method), path: "/v2/Account/Blacklist", headers: headers, body: body)
    }

    static func problemErrors(_ body: String) throws -> [String: [String]] {
        let problem = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        return try #require(problem["errors"] as? [String: [String]])
    }

    @Test("the blacklist grows only with calls answered 200 true; re-adding a number is true again")
    func blacklistGrowsOnlyOnSuccess() async throws {
        try await withFake { fake in
            #expect(try await Self.send(fake, body: #"{"phoneNumbers":["+15551234567","+41"]}"#).body == "true")
            #expect(fake.blacklistedNumbers == ["+15551234567", "+41"])

            fake.behaviour = .answerFalse
            #expect(try await Self.send(fake, body: #"{"phoneNumbers":["+15550000001"]}"#).body == "false")
            fake.behaviour = .rejectPhoneNumbers(["+15550000002"])
            #expect(try await Self.send(fake, body: #"{"phoneNumbers":["+15550000002"]}"#).status == 400)
            fake.behaviour = .status(503, retryAfter: 5)
            #expect(try await Self.send(fake, body: #"{"phoneNumbers":["+15550000003"]}"#).status == 503)
            fake.behaviour = .succeed
            #expect(try await Self.send(fake, body: #"{"phoneNumbers":["+15550000004","+15550000004"]}"#).status == 400)
            let wrongToken = [("Authorization", "Bearer acct:nope"), ("Content-Type", "application/json")]
            #expect(
                try await Self.send(fake, headers: wrongToken, body: #"{"phoneNumbers":["+15550000005"]}"#).status
                    == 401)
            #expect(fake.blacklistedNumbers == ["+15551234567", "+41"])

            let again = try await Self.send(fake, body: #"{"phoneNumbers":["+41","+15550000006"]}"#)
            #expect(again.status == 200 && again.body == "true")
            #expect(fake.blacklistedNumbers == ["+15551234567", "+41", "+15550000006"])
            #expect(fake.calls.map(\.status) == [200, 200, 400, 503, 400, 401, 200])
            #expect(fake.calls.allSatisfy { $0.endpoint == .blacklist && $0.pearlId == nil && $0.leadIds == nil })
            #expect(
                fake.calls.map(\.phoneNumbers) == [
                    ["+15551234567", "+41"], ["+15550000001"], ["+15550000002"], ["+15550000003"], nil, nil,
                    ["+41", "+15550000006"],
                ])
            #expect(fake.violations.count == 1)
            #expect(fake.deletedLeads.isEmpty)

            fake.reset()
            #expect(fake.blacklistedNumbers.isEmpty && fake.calls.isEmpty)
        }
    }

    @Test("breaches are recorded and answered: duplicates, 26 characters, not E.164, other members, missing numbers")
    func breachesAnswered400() async throws {
        try await withFake { fake in
            let cases: [(body: String, field: String)] = [
                (#"{"phoneNumbers":["+15551234567","+41","+15551234567"]}"#, "phoneNumbers[2]"),
                (#"{"phoneNumbers":["+1234567890123456789012345"]}"#, "phoneNumbers[0]"),
                (#"{"phoneNumbers":["+41","555-1234"]}"#, "phoneNumbers[1]"),
                (#"{"phoneNumbers":["+41"],"source":"crm"}"#, "source"),
                (#"{}"#, "phoneNumbers"),
            ]
            for (body, field) in cases {
                let answer = try await Self.send(fake, body: body)
                #expect(answer.status == 400, "\(body)")
                #expect(try Self.problemErrors(answer.body).keys.contains(field), "\(body): \(answer.body)")
            }
            #expect(fake.violations.count == cases.count)
            #expect(
                fake.violations[0].hasPrefix("POST /v2/Account/Blacklist: phoneNumbers[2] \"+15551234567\" repeats"))
            #expect(fake.violations[1].contains("26 characters"))
            #expect(
                fake.calls.allSatisfy { $0.endpoint == .blacklist && $0.violation != nil && $0.phoneNumbers == nil })
            #expect(fake.blacklistedNumbers.isEmpty)
        }
    }

    @Test("a wrong method is 405 allowing POST, a missing token 401, a wrong content type 400; all recorded")
    func methodAuthorizationAndContentType() async throws {
        try await withFake { fake in
            let get = try await Self.send(fake, method: "GET", body: nil)
            #expect(get.status == 405)
            #expect(get.headers.contains { $0.0.lowercased() == "allow" && $0.1 == "POST" })
            #expect(try await Self.send(fake, method: "DELETE").status == 405)
            let anonymous = try await Self.send(fake, headers: [("Content-Type", "application/json")])
            #expect(anonymous.status == 401 && anonymous.body.isEmpty)
            let text = [("Authorization", "Bearer acct:secret"), ("Content-Type", "text/plain")]
            #expect(try await Self.send(fake, headers: text).status == 400)
            #expect(fake.violations.count == 4)
            #expect(fake.violations[0] == "GET /v2/Account/Blacklist: method GET is not allowed; use POST")
            #expect(fake.calls.allSatisfy { $0.endpoint == .blacklist })
            #expect(fake.blacklistedNumbers.isEmpty)
        }
    }

    @Test("calls say their endpoint, so blacklist calls count apart from deletes; log lines show the numbers")
    func endpointsApart() async throws {
        try await withFake { fake in
            _ = try await FakeNLPearlServerTests.send(fake)
            _ = try await Self.send(fake, body: #"{"phoneNumbers":["+15551234567","+41"]}"#)
            _ = try await FakeNLPearlServerTests.send(fake, path: "/v2/Outbound/P/Leads", body: #"{"leadIds":["L2"]}"#)
            _ = try await FakeNLPearlServerTests.send(fake, path: "/v2/Account/Whitelist")
            #expect(fake.calls.map(\.endpoint) == [.deleteLeads, .blacklist, .deleteLeads, nil])
            #expect(fake.calls.filter { $0.endpoint == .blacklist }.count == 1)
            #expect(fake.calls[1].logLine == "POST /v2/Account/Blacklist phoneNumbers=[+15551234567, +41] → 200 true")
            #expect(fake.calls[0].phoneNumbers == nil && fake.calls[1].leadIds == nil)
            #expect(fake.deletedLeads == ["P": ["L1", "L2"]])
            #expect(fake.blacklistedNumbers == ["+15551234567", "+41"])
        }
    }
}
