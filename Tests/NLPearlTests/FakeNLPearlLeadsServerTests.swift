import Foundation
import NIOHTTP1
import NLPearl
import Testing

@testable import FakeNLPearl

@Suite("The fake's lead store and lead endpoints over loopback")
struct FakeNLPearlLeadsServerTests {
    static let good = [("Authorization", "Bearer acct:secret"), ("Content-Type", "application/json")]

    static func send(
        _ fake: FakeNLPearl,
        _ method: String,
        _ path: String,
        headers: [(String, String)] = good,
        body: String?
    ) async throws -> (status: Int, headers: [(String, String)], body: String) {
        try await FakeNLPearlServerTests.send(
            fake, method: .init(rawValue: method), path: path, headers: headers, body: body)
    }

    static func object(_ body: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
    }

    static func errorFields(_ body: String) throws -> [String] {
        try #require(try object(body)["errors"] as? [String: [String]]).keys.sorted()
    }

    /// `{"leads":[...]}` of `count` leads `+1555NNNNNNN`.
    static func addLeadsBody(count: Int) -> String {
        let leads = (0..<count).map { #"{"phoneNumber":"+1555\#(String(10_000_000 + $0).dropFirst())"}"# }
        return #"{"leads":["# + leads.joined(separator: ",") + "]}"
    }

    @Test("Add Lead answers a new ObjectId, stores the lead as New, and Get Lead and Search Leads read it")
    func addThenRead() async throws {
        try await withFake { fake in
            let body =
                #"{"phoneNumber":"+15551234567","externalId":"crm-7","timeZoneId":"Pacific Standard Time","callData":{"name":"Ada"}}"#
            let added = try await Self.send(fake, "POST", "/v2/Outbound/P/Lead", body: body)
            #expect(added.status == 200)
            let leadId = try #require(try Self.object(added.body)["leadId"] as? String)
            #expect(leadId.count == 24 && leadId.allSatisfy(\.isHexDigit))
            let stored = try #require(fake.leads(in: "P").first)
            #expect(stored.id == leadId && stored.phoneNumber == "+15551234567" && stored.externalId == "crm-7")
            #expect(stored.status == 1 && stored.callData == ["name": "Ada"])
            #expect(fake.calls.last?.leadIds == [leadId] && fake.calls.last?.endpoint == .addLead)

            let got = try await Self.send(
                fake, "GET", "/v1/Outbound/P/Lead/\(leadId)", headers: [Self.good[0]], body: nil)
            #expect(got.status == 200)
            let lead = try Self.object(got.body)
            #expect(lead["id"] as? String == leadId && lead["phoneNumber"] as? String == "+15551234567")
            #expect(lead["status"] as? Int == 1 && lead["externalId"] as? String == "crm-7")
            #expect((lead["created"] as? String)?.hasSuffix("Z") == true)
            #expect(lead["callsId"] as? [String] == [])

            let found = try await Self.send(fake, "POST", "/v1/Outbound/P/Leads", body: #"{"skip":0,"limit":1}"#)
            let page = try Self.object(found.body)
            #expect(page["count"] as? Int == 1)
            #expect((page["results"] as? [[String: Any]])?.first?["id"] as? String == leadId)
            #expect(fake.leadCount(in: "other") == 0)
            #expect(fake.violations.isEmpty)
        }
    }

    @Test("Get Lead of an ObjectId the campaign does not hold is 404, and not a violation; another id is 400")
    func unknownLead() async throws {
        try await withFake { fake in
            let ids = try fake.addLeads([.init(phoneNumber: "+15551234567")], to: "P")
            let auth = [Self.good[0]]
            let unknown = String(repeating: "ab", count: 12)
            #expect(
                try await Self.send(fake, "GET", "/v1/Outbound/P/Lead/\(unknown)", headers: auth, body: nil).status
                    == 404)
            #expect(
                try await Self.send(fake, "GET", "/v1/Outbound/Q/Lead/\(ids[0])", headers: auth, body: nil).status
                    == 404)
            #expect(fake.violations.isEmpty)
            #expect(try await Self.send(fake, "GET", "/v1/Outbound/P/Lead/L1", headers: auth, body: nil).status == 400)
            let withBody = try await Self.send(fake, "GET", "/v1/Outbound/P/Lead/\(ids[0])", headers: auth, body: "{}")
            #expect(withBody.status == 400)
            #expect(fake.violations.count == 2)
            #expect(
                try await Self.send(fake, "GET", "/v1/Outbound/P/Lead/\(ids[0])", headers: auth, body: nil).status
                    == 200)
        }
    }

    @Test(
        "a search body outside the contract is 400 naming the field, and recorded",
        arguments: [
            (#"{"skip":0,"limit":0}"#, "limit"), (#"{"skip":0,"limit":101}"#, "limit"), (#"{"skip":0}"#, "limit"),
            (#"{"skip":-1,"limit":10}"#, "skip"), (#"{"skip":0,"limit":"10"}"#, "limit"),
            (#"{"skip":0,"limit":1.5}"#, "limit"), (#"{"skip":true,"limit":10}"#, "skip"),
            (#"{"limit":10,"searchInput":""}"#, "searchInput"), (#"{"limit":10,"searchInput":5}"#, "searchInput"),
            (#"{"limit":10,"statuses":[]}"#, "statuses"), (#"{"limit":10,"statuses":[1,2]}"#, "statuses[1]"),
            (#"{"limit":10,"statuses":"1"}"#, "statuses"), (#"{"limit":10,"sortProp":"name"}"#, "sortProp"),
            (#"{"limit":10,"isAscending":null}"#, "isAscending"), (#"{"limit":10,"page":2}"#, "page"),
            ("", "$"), ("{", "$"), ("[]", "$"),
        ])
    func searchRefused(body: String, field: String) async throws {
        try await withFake { fake in
            let answer = try await Self.send(fake, "POST", "/v1/Outbound/P/Leads", body: body)
            #expect(answer.status == 400)
            #expect(try Self.errorFields(answer.body) == [field])
            #expect(fake.violations.count == 1)
            #expect(fake.calls.first?.endpoint == .searchLeads && fake.calls.first?.violation != nil)
        }
    }

    @Test("the documented limits themselves are taken: limit 1 and 100, a large skip, every member")
    func searchBounds() async throws {
        try await withFake { fake in
            try fake.addLeads((0..<3).map { .init(phoneNumber: "+1555000000\($0)") }, to: "P")
            for body in [
                #"{"skip":0,"limit":1}"#, #"{"limit":100}"#, #"{"skip":2147483647,"limit":100}"#,
                #"{"skip":0,"limit":5,"sortProp":null,"isAscending":false,"statuses":null,"searchInput":null}"#,
            ] {
                let answer = try await Self.send(fake, "POST", "/v1/Outbound/P/Leads", body: body)
                #expect(answer.status == 200, "\(body)")
            }
            #expect(fake.violations.isEmpty)
        }
    }

    @Test("sortProp and isAscending order the matches; without them leads come in the order they were added")
    func sorting() async throws {
        try await withFake { fake in
            let ids = try fake.addLeads(
                [
                    .init(phoneNumber: "+15550000003"), .init(phoneNumber: "+15550000001"),
                    .init(phoneNumber: "+15550000002"),
                ],
                to: "P")
            func order(_ body: String) async throws -> [String] {
                let page = try Self.object(try await Self.send(fake, "POST", "/v1/Outbound/P/Leads", body: body).body)
                return (page["results"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            }
            #expect(try await order(#"{"limit":10}"#) == ids)
            #expect(try await order(#"{"limit":10,"sortProp":"phoneNumber"}"#) == [ids[1], ids[2], ids[0]])
            #expect(
                try await order(#"{"limit":2,"sortProp":"phoneNumber","isAscending":false}"#) == [ids[0], ids[2]])
        }
    }

    @Test("Add Leads takes 50,000 leads and refuses 50,001, adding none")
    func addLeadsLimit() async throws {
        try await withFake { fake in
            let most = try await Self.send(
                fake, "POST", "/v2/Outbound/P/Leads/Add", body: Self.addLeadsBody(count: 50_000))
            #expect(most.status == 200 && most.body == "true")
            #expect(fake.leadCount(in: "P") == 50_000)
            #expect(fake.calls.last?.leadIds?.count == 50_000)
            let over = try await Self.send(
                fake, "POST", "/v2/Outbound/Q/Leads/Add", body: Self.addLeadsBody(count: 50_001))
            #expect(over.status == 400)
            #expect(try Self.errorFields(over.body) == ["leads"])
            #expect(fake.leadCount(in: "Q") == 0)
            #expect(fake.violations.count == 1)
        }
    }

    @Test(
        "a malformed Add Lead or Add Leads body is 400 naming the field, and adds nothing",
        arguments: [
            ("/v2/Outbound/P/Lead", #"{}"#, "phoneNumber"),
            ("/v2/Outbound/P/Lead", #"{"phoneNumber":""}"#, "phoneNumber"),
            ("/v2/Outbound/P/Lead", #"{"phoneNumber":"555-1234"}"#, "phoneNumber"),
            ("/v2/Outbound/P/Lead", #"{"phoneNumber":15551234567}"#, "phoneNumber"),
            ("/v2/Outbound/P/Lead", #"{"phoneNumber":"+15551234567","externalId":""}"#, "externalId"),
            ("/v2/Outbound/P/Lead", #"{"phoneNumber":"+15551234567","callData":{"n":1}}"#, "callData.n"),
            ("/v2/Outbound/P/Lead", #"{"phoneNumber":"+15551234567","callData":null}"#, "callData"),
            ("/v2/Outbound/P/Lead", #"{"phoneNumber":"+15551234567","status":100}"#, "status"),
            ("/v2/Outbound/P/Lead", #"["+15551234567"]"#, "$"),
            ("/v2/Outbound/P/Leads/Add", #"{"leads":[]}"#, "leads"), ("/v2/Outbound/P/Leads/Add", #"{}"#, "leads"),
            ("/v2/Outbound/P/Leads/Add", #"{"leads":null}"#, "leads"),
            (
                "/v2/Outbound/P/Leads/Add", #"{"leads":[{"phoneNumber":"+15551234567"},{"phoneNumber":"+1"}]}"#,
                "leads[1].phoneNumber"
            ),
            ("/v2/Outbound/P/Leads/Add", #"{"leads":[{"phoneNumber":"+15551234567","x":1}]}"#, "leads[0].x"),
            ("/v2/Outbound/P/Leads/Add", #"{"leads":["+15551234567"]}"#, "leads[0]"),
        ])
    func addRefused(path: String, body: String, field: String) async throws {
        try await withFake { fake in
            let answer = try await Self.send(fake, "POST", path, body: body)
            #expect(answer.status == 400)
            #expect(try Self.errorFields(answer.body) == [field])
            #expect(fake.leadCount(in: "P") == 0)
            #expect(fake.violations.count == 1)
        }
    }

    @Test(
        "a wrong method is 405 naming the endpoint's method; a missing token 401; a wrong content type 400",
        arguments: [
            ("GET", "/v1/Outbound/P/Leads", "POST"), ("DELETE", "/v1/Outbound/P/Leads", "POST"),
            ("PUT", "/v2/Outbound/P/Lead", "POST"), ("GET", "/v2/Outbound/P/Leads/Add", "POST"),
            ("POST", "/v1/Outbound/P/Lead/\(String(repeating: "0", count: 24))", "GET"),
            ("POST", "/v2/Outbound/P/Leads", "DELETE"),
        ])
    func wrongMethod(method: String, path: String, allowed: String) async throws {
        try await withFake { fake in
            let answer = try await Self.send(fake, method, path, body: nil)
            #expect(answer.status == 405)
            #expect(answer.headers.contains { $0.0.lowercased() == "allow" && $0.1 == allowed })
            let noToken = try await Self.send(
                fake, allowed, path, headers: [("Content-Type", "application/json")], body: nil)
            #expect(noToken.status == 401)
            if allowed == "POST" {
                let text = try await Self.send(
                    fake, "POST", path, headers: [Self.good[0], ("Content-Type", "text/plain")],
                    body: #"{"limit":10}"#)
                #expect(text.status == 400)
            }
            #expect(fake.violations.count == (allowed == "POST" ? 3 : 2))
        }
    }

    @Test("paths near the lead endpoints are 404 of no endpoint")
    func nearMisses() async throws {
        try await withFake { fake in
            for path in [
                "/v1/Outbound/P/Lead", "/v2/Outbound/P/Lead/x", "/v1/Outbound/P/Leads/Add", "/v1/Outbound/P/Lead/",
                "/v1/outbound/P/Leads", "/v2/Outbound/P/Leads/Search",
            ] {
                let answer = try await Self.send(fake, "POST", path, body: "{}")
                #expect(answer.status == 404, "\(path)")
            }
            #expect(fake.calls.allSatisfy { $0.endpoint == nil })
        }
    }

    @Test("a delete answered true removes the leads from the store; unknown ids are still true")
    func deleteRemovesFromStore() async throws {
        try await withFake { fake in
            let ids = try fake.addLeads((0..<3).map { .init(phoneNumber: "+1555000000\($0)") }, to: "P")
            let client = NLPearlClient(configuration: .init(baseURL: fake.baseURL, token: "acct:secret"))
            #expect(await client.deleteLeads(pearlId: "P", leadIds: [ids[0], ids[2], "L-unknown"]) == .deleted)
            #expect(fake.leads(in: "P").map(\.id) == [ids[1]])
            guard case .page(let page) = await client.searchLeads(campaignId: "P") else {
                Issue.record("no page")
                return
            }
            #expect(page.count == 1 && page.leads.map(\.id) == [ids[1]])
            let auth = [Self.good[0]]
            #expect(
                try await Self.send(fake, "GET", "/v1/Outbound/P/Lead/\(ids[0])", headers: auth, body: nil).status
                    == 404)
            // A delete of another campaign, or one answered false, leaves the store alone.
            #expect(await client.deleteLeads(pearlId: "Q", leadIds: [ids[1]]) == .deleted)
            fake.behaviour = .answerFalse
            #expect(await client.deleteLeads(pearlId: "P", leadIds: [ids[1]]) == .notDeleted)
            #expect(fake.leadCount(in: "P") == 1)
            #expect(fake.violations.isEmpty)
        }
    }

    @Test("behaviours answer the lead endpoints: a script counts them, 429, a wrong token, answerFalse adds nothing")
    func behaviours() async throws {
        try await withFake(behaviour: .script([.rateLimited(retryAfterSeconds: 3), .succeed])) { fake in
            let add = #"{"leads":[{"phoneNumber":"+15551234567"}]}"#
            let limited = try await Self.send(fake, "POST", "/v2/Outbound/P/Leads/Add", body: add)
            #expect(
                limited.status == 429 && limited.headers.contains { $0.0.lowercased() == "retry-after" && $0.1 == "3" })
            #expect(fake.leadCount(in: "P") == 0)
            #expect(try await Self.send(fake, "POST", "/v2/Outbound/P/Leads/Add", body: add).body == "true")
            #expect(fake.leadCount(in: "P") == 1)

            fake.behaviour = .answerFalse
            #expect(try await Self.send(fake, "POST", "/v2/Outbound/P/Leads/Add", body: add).body == "false")
            #expect(
                try await Self.send(fake, "POST", "/v2/Outbound/P/Lead", body: #"{"phoneNumber":"+15550000001"}"#).body
                    == "false")
            #expect(fake.leadCount(in: "P") == 1)

            fake.behaviour = .status(503, retryAfter: nil)
            #expect(try await Self.send(fake, "POST", "/v1/Outbound/P/Leads", body: #"{"limit":5}"#).status == 503)
            let wrong = [("Authorization", "Bearer acct:nope"), ("Content-Type", "application/json")]
            let get = try await Self.send(
                fake, "GET", "/v1/Outbound/P/Lead/\(String(repeating: "0", count: 24))", headers: wrong, body: nil)
            #expect(get.status == 401 && fake.calls.last?.endpoint == .getLead)
            #expect(fake.violations.isEmpty)
        }
    }
}
