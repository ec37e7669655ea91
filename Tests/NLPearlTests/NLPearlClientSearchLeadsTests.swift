import FakeNLPearl
import Foundation
import TestSupport
import Testing

@testable import NLPearl

@Suite("NLPearlClient.searchLeads and allLeads against the fake over loopback")
struct NLPearlClientSearchLeadsTests {
    /// Seeds `count` leads `+1555000NNNN` / `crm-N` (N from 0) in campaign P and returns their ids.
    @discardableResult
    static func seed(_ fake: FakeNLPearl, count: Int, campaign: String = "P") throws -> [String] {
        let leads = (0..<count).map { index in
            FakeNLPearl.NewLead(
                phoneNumber: "+1555" + String(1_000_000 + index).dropFirst(), externalId: "crm-\(index)")
        }
        return try fake.addLeads(leads, to: campaign)
    }

    @Test("a page carries the total, the leads' fields, and a request that keeps the contract exactly")
    func onePage() async throws {
        try await withFake { fake in
            let created = Date(timeIntervalSince1970: 1_700_000_000)
            let ids = try fake.addLeads(
                [
                    .init(
                        phoneNumber: "+15551230001", externalId: "crm-1", callData: ["name": "Ada"], created: created),
                    .init(phoneNumber: "+15551230002"),
                ], to: "P 1")
            let outcome = await client(fake.baseURL).searchLeads(campaignId: "P 1", limit: 10)
            guard case .page(let page) = outcome else {
                Issue.record("expected a page, got \(outcome)")
                return
            }
            #expect(page.count == 2)
            #expect(page.leads.map(\.id) == ids)
            let first = try #require(page.leads.first)
            #expect(first.id.count == 24 && first.id.allSatisfy(\.isHexDigit))
            #expect(first.phoneNumber == "+15551230001")
            #expect(first.externalId == "crm-1")
            #expect(first.status == 1)
            #expect(first.created == "2023-11-14T22:13:20Z")
            #expect(first.callData == ["name": .string("Ada")])
            #expect(page.leads[1].externalId == nil && page.leads[1].callData == nil)
            #expect(!outcome.isRetryable && outcome.httpStatus == 200)

            #expect(fake.violations.isEmpty)
            let call = try #require(fake.calls.first)
            #expect(call.endpoint == .searchLeads)
            #expect(call.method == "POST")
            #expect(call.uri == "/v1/Outbound/P%201/Leads")
            #expect(call.pearlId == "P 1")
            #expect(call.header("Authorization") == "Bearer acct:secret")
            #expect(call.header("Content-Type") == "application/json")
            #expect(String(decoding: call.body, as: UTF8.self) == #"{"skip":0,"limit":10}"#)
        }
    }

    @Test("an empty campaign is a page of none, and skip and limit select the page")
    func emptyAndSkipped() async throws {
        try await withFake { fake in
            let client = client(fake.baseURL)
            #expect(await client.searchLeads(campaignId: "empty") == .page(SearchLeadsPage(count: 0, leads: [])))
            let ids = try Self.seed(fake, count: 7)
            guard case .page(let page) = await client.searchLeads(campaignId: "P", skip: 3, limit: 2) else {
                Issue.record("no page")
                return
            }
            #expect(page.count == 7)
            #expect(page.leads.map(\.id) == Array(ids[3..<5]))
            guard case .page(let tail) = await client.searchLeads(campaignId: "P", skip: 6, limit: 5) else {
                Issue.record("no page")
                return
            }
            #expect(tail.leads.map(\.id) == [ids[6]])
        }
    }

    @Test("searchInput matches part of a phone number or an external id, in any letter case")
    func searchInput() async throws {
        try await withFake { fake in
            try fake.addLeads(
                [
                    .init(phoneNumber: "+15551230001", externalId: "crm-42"),
                    .init(phoneNumber: "+15551230002", externalId: "crm-420"),
                    .init(phoneNumber: "+4915112345", externalId: "other"),
                ], to: "P")
            let client = client(fake.baseURL)
            func phones(_ input: String) async -> [String] {
                guard case .page(let page) = await client.searchLeads(campaignId: "P", searchInput: input) else {
                    return ["no page"]
                }
                #expect(page.count == page.leads.count)
                return page.leads.compactMap(\.phoneNumber)
            }
            #expect(await phones("+15551230001") == ["+15551230001"])
            #expect(await phones("555123") == ["+15551230001", "+15551230002"])
            #expect(await phones("crm-42") == ["+15551230001", "+15551230002"])
            #expect(await phones("CRM-420") == ["+15551230002"])
            #expect(await phones("+10000") == [])
            let bodies = fake.calls.map { String(decoding: $0.body, as: UTF8.self) }
            #expect(bodies.first == #"{"skip":0,"limit":100,"searchInput":"+15551230001"}"#)
            #expect(fake.violations.isEmpty)
        }
    }

    @Test("statuses keep only leads of those statuses, and count counts them before paging")
    func statuses() async throws {
        try await withFake { fake in
            let ids = try fake.addLeads(
                [
                    .init(phoneNumber: "+15550000001"), .init(phoneNumber: "+15550000002", status: 100),
                    .init(phoneNumber: "+15550000003", status: 500), .init(phoneNumber: "+15550000004", status: 100),
                ], to: "P")
            #expect(fake.setStatus(110, ofLead: ids[0], in: "P"))
            let client = client(fake.baseURL)
            guard case .page(let page) = await client.searchLeads(campaignId: "P", limit: 1, statuses: [100, 500])
            else {
                Issue.record("no page")
                return
            }
            #expect(page.count == 3)
            #expect(page.leads.map(\.id) == [ids[1]])
            guard case .page(let failed) = await client.searchLeads(campaignId: "P", statuses: [110]) else {
                Issue.record("no page")
                return
            }
            #expect(failed.leads.map(\.id) == [ids[0]] && failed.leads.first?.status == 110)
            #expect(
                String(decoding: fake.calls[0].body, as: UTF8.self) == #"{"skip":0,"limit":1,"statuses":[100,500]}"#)
        }
    }

    @Test("allLeads pages with skip and limit until count, one call per page, only as leads are read")
    func pagingAcrossPages() async throws {
        try await withFake { fake in
            let ids = try Self.seed(fake, count: 250)
            var iterator = client(fake.baseURL).allLeads(campaignId: "P", pageSize: 100).makeAsyncIterator()
            #expect(fake.callCount == 0)
            var read: [String] = []
            while let lead = try await iterator.next() {
                read.append(lead.id)
                // Streaming: the second page is asked for only once the first is used up.
                if read.count == 100 { #expect(fake.callCount == 1) }
                if read.count == 101 { #expect(fake.callCount == 2) }
            }
            #expect(read == ids)
            #expect(fake.calls.map { $0.search?.skip } == [0, 100, 200])
            #expect(fake.calls.allSatisfy { $0.search?.limit == 100 })
            #expect(try await iterator.next() == nil)

            // A total that is a multiple of the page size ends without asking for an empty page.
            fake.reset()
            let exact = try Self.seed(fake, count: 200)
            var all: [String] = []
            for try await lead in client(fake.baseURL).allLeads(campaignId: "P", pageSize: 100) { all.append(lead.id) }
            #expect(all == exact)
            #expect(fake.calls.map { $0.search?.skip } == [0, 100])
        }
    }

    @Test("a failed page throws a LeadPagingError with the outcome and the skip to resume from")
    func pagingFailureResumes() async throws {
        try await withFake(behaviour: .script([.succeed, .rateLimited(retryAfterSeconds: 4), .succeed])) { fake in
            let ids = try Self.seed(fake, count: 150)
            let client = client(fake.baseURL)
            var read: [String] = []
            do {
                for try await lead in client.allLeads(campaignId: "P", pageSize: 100) { read.append(lead.id) }
                Issue.record("paging did not fail")
            } catch let error as LeadPagingError {
                #expect(error.code == .searchFailed)
                #expect(error.outcome == .rateLimited(retryAfter: .seconds(4)))
                #expect(error.skip == 100 && error.count == 150)
                #expect(error.isRetryable)
                #expect("\(error)".contains("skip 100"))
            }
            #expect(read == Array(ids[0..<100]))
            for try await lead in client.allLeads(campaignId: "P", pageSize: 100, skip: 100) { read.append(lead.id) }
            #expect(read == ids)
        }
    }

    @Test("an empty page before count is reached, and a page size below 1, throw instead of looping")
    func pagingStopsOnBadPages() async throws {
        let empty = Array(#"{"count":5,"results":[]}"#.utf8)
        try await withFake(behaviour: .respond(status: 200, headers: [], body: empty)) { fake in
            do {
                for try await _ in client(fake.baseURL).allLeads(campaignId: "P") {}
                Issue.record("paging did not fail")
            } catch let error as LeadPagingError {
                #expect(error.code == .emptyPage && error.skip == 0 && error.count == 5)
            }
            do {
                for try await _ in client(fake.baseURL).allLeads(campaignId: "P", pageSize: 0) {}
                Issue.record("paging did not fail")
            } catch let error as LeadPagingError {
                #expect(error.code == .invalidPageSize && !error.isRetryable)
            }
            #expect(fake.callCount == 1)
        }
    }

    @Test(
        "a search outside the contract is invalid with the field at fault, not retryable, and recorded",
        arguments: [
            (0, 0, nil, nil, "limit"), (0, 101, nil, nil, "limit"), (-1, 10, nil, nil, "skip"),
            (0, 10, "", nil, "searchInput"), (0, 10, nil, [2], "statuses[0]"), (0, 10, nil, [], "statuses"),
        ] as [(Int, Int, String?, [Int]?, String)])
    func invalid(skip: Int, limit: Int, searchInput: String?, statuses: [Int]?, field: String) async throws {
        try await withFake { fake in
            try Self.seed(fake, count: 3)
            let outcome = await client(fake.baseURL).searchLeads(
                campaignId: "P", skip: skip, limit: limit, searchInput: searchInput, statuses: statuses)
            guard case .invalid(let problem) = outcome else {
                Issue.record("expected .invalid, got \(outcome)")
                return
            }
            #expect(problem.status == 400)
            #expect(problem.errors?.keys.sorted() == [field])
            #expect(!outcome.isRetryable)
            #expect(fake.violations.count == 1)
        }
    }

    @Test("401 for a wrong token, 429 with Retry-After, 5xx, and a timeout, as the delete reads them")
    func failures() async throws {
        try await withFake { fake in
            try Self.seed(fake, count: 3)
            #expect(
                await client(fake.baseURL, token: "acct:wrong").searchLeads(campaignId: "P")
                    == .unauthorized(status: 401))
            fake.behaviour = .rateLimited(retryAfterSeconds: 7)
            let limited = await client(fake.baseURL).searchLeads(campaignId: "P")
            #expect(limited == .rateLimited(retryAfter: .seconds(7)) && limited.isRetryable)
            #expect(limited.retryAfter == .seconds(7))
            for (status, retryAfter) in [(500, nil), (503, 30)] as [(Int, Int?)] {
                fake.behaviour = .status(status, retryAfter: retryAfter)
                let outcome = await client(fake.baseURL).searchLeads(campaignId: "P")
                #expect(outcome == .unavailable(status: status, retryAfter: retryAfter.map { .seconds($0) }))
                #expect(outcome.isRetryable)
            }
            fake.behaviour = .delay(afterAnyTest, then: .succeed)
            let clock = ContinuousClock()
            let start = clock.now
            let slow = await client(fake.baseURL, timeout: .milliseconds(300)).searchLeads(campaignId: "P")
            #expect(slow == .timedOut && slow.isRetryable)
            #expect(clock.now - start < atOnce)
            #expect(fake.violations.isEmpty)
        }
    }

    @Test(
        "a 200 that is not the documented object is unexpected and retryable",
        arguments: [
            ("false", "not a page"), ("<html>proxy</html>", "not a page"), (#"{"results":[]}"#, "count: missing"),
            (#"{"count":1,"results":[{"externalId":"x"}]}"#, "results[0].id: missing"),
            (#"{"count":1,"results":[{"id":null}]}"#, "results[0].id"), (#"{"count":-1,"results":[]}"#, "negative"),
            (#"{"count":"1","results":[]}"#, "count: not"),
        ])
    func notAPage(body: String, detail: String) async throws {
        try await withFake(behaviour: .respond(status: 200, headers: [], body: Array(body.utf8))) { fake in
            let outcome = await client(fake.baseURL).searchLeads(campaignId: "P")
            guard case .unexpected(200, let text) = outcome else {
                Issue.record("expected unexpected 200, got \(outcome)")
                return
            }
            #expect(text.contains(detail), "\(text)")
            #expect(outcome.isRetryable)
        }
    }

    @Test("a null results is a page of none; members the client does not know are ignored")
    func lenientWhereNLPearlMayGrow() async throws {
        let body = #"{"count":0,"results":null,"extra":1}"#
        try await withFake(behaviour: .respond(status: 200, headers: [], body: Array(body.utf8))) { fake in
            #expect(
                await client(fake.baseURL).searchLeads(campaignId: "P") == .page(SearchLeadsPage(count: 0, leads: [])))
        }
    }

    @Test("no outcome or paging error shows the token")
    func tokenNeverShown() async throws {
        let token = "acct-1234:sk_live_SHOULD_NOT_APPEAR"
        try await withFake(token: token) { fake in
            try Self.seed(fake, count: 2)
            let right = client(fake.baseURL, token: token)
            var texts: [String] = []
            for behaviour: FakeNLPearl.Behaviour in [
                .succeed, .answerFalse, .status(400, retryAfter: nil), .status(500, retryAfter: 1),
                .rateLimited(retryAfterSeconds: 1),
                .respond(status: 200, headers: [], body: Array("echo \(token)".utf8)),
                .respond(status: 200, headers: [], body: Array(#"{"count":"\#(token)"}"#.utf8)),
                .respond(status: 418, headers: [], body: Array(token.utf8)),
                .respond(status: 400, headers: [], body: Array(token.utf8)),
            ] {
                fake.behaviour = behaviour
                let outcome = await right.searchLeads(campaignId: "P")
                texts += ["\(outcome)", String(reflecting: outcome)]
                do {
                    for try await _ in right.allLeads(campaignId: "P") {}
                } catch {
                    texts += ["\(error)", String(reflecting: error)]
                }
            }
            fake.behaviour = .succeed
            texts.append("\(await client(fake.baseURL, token: "acct-1234:other").searchLeads(campaignId: "P"))")
            texts.append("\(await right.searchLeads(campaignId: "P", limit: 0))")
            #expect(texts.count > 20)
            for text in texts { #expect(!text.contains("SHOULD_NOT_APPEAR"), "\(text)") }
        }
    }
}
