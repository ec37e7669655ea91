import FakeNLPearl
import Foundation
import TestSupport
import Testing

@testable import NLPearl

@Suite("NLPearlClient.addToBlacklist against the fake over loopback")
struct NLPearlClientBlacklistTests {
    @Test(
        "200 true in each content type is deleted (added), and the request keeps the contract exactly",
        arguments: FakeNLPearl.ResponseContentType.allCases)
    func addedInEveryContentType(contentType: FakeNLPearl.ResponseContentType) async throws {
        try await withFake(behaviour: .succeedAs(contentType)) { fake in
            let outcome: BlacklistOutcome = await client(fake.baseURL).addToBlacklist(
                phoneNumbers: ["+15551234567", "+41"])
            #expect(outcome == .deleted)
            #expect(fake.violations.isEmpty)
            let call = try #require(fake.calls.first)
            #expect(call.endpoint == .blacklist)
            #expect(call.method == "POST")
            #expect(call.uri == "/v2/Account/Blacklist")
            #expect(call.header("Authorization") == "Bearer acct:secret")
            #expect(call.header("Content-Type") == "application/json")
            #expect(call.header("Accept") == "application/json")
            #expect(String(decoding: call.body, as: UTF8.self) == #"{"phoneNumbers":["+15551234567","+41"]}"#)
            #expect(call.phoneNumbers == ["+15551234567", "+41"])
            #expect(fake.blacklistedNumbers == ["+15551234567", "+41"])
            #expect(fake.deletedLeads.isEmpty)
        }
    }

    @Test("200 false is notDeleted, and the numbers stay off the blacklist")
    func notAdded() async throws {
        try await withFake(behaviour: .falseForPhoneNumbers(["+15550000002"])) { fake in
            let client = client(fake.baseURL)
            #expect(await client.addToBlacklist(phoneNumbers: ["+15550000001", "+15550000002"]) == .notDeleted)
            #expect(await client.addToBlacklist(phoneNumbers: ["+15550000001"]) == .deleted)
            #expect(fake.blacklistedNumbers == ["+15550000001"])
        }
    }

    @Test("400 is invalid with NLPearl's problem details, for a scripted rejection and for the contract's own")
    func invalid() async throws {
        try await withFake(behaviour: .rejectPhoneNumbers(["+15550000002"])) { fake in
            let client = client(fake.baseURL)
            let rejected = await client.addToBlacklist(phoneNumbers: ["+15550000001", "+15550000002"])
            guard case .invalid(let problem) = rejected else {
                Issue.record("expected .invalid, got \(rejected)")
                return
            }
            #expect(problem.status == 400)
            #expect(problem.errors == ["phoneNumbers[1]": ["Phone number '+15550000002' cannot be blacklisted."]])
            #expect(!rejected.isRetryable)

            let long = "+" + String(repeating: "7", count: NLPearlClient.maxBlacklistEntryLength)
            let breaches = [["+41", "+41"], ["+41", long], ["0041 555"], []]
            for numbers in breaches {
                let outcome = await client.addToBlacklist(phoneNumbers: numbers)
                guard case .invalid(let problem) = outcome else {
                    Issue.record("expected .invalid for \(numbers), got \(outcome)")
                    continue
                }
                #expect(problem.errors?.isEmpty == false, "\(numbers)")
            }
            guard case .invalid(let duplicate) = await client.addToBlacklist(phoneNumbers: ["+41", "+1", "+41"]) else {
                Issue.record("a duplicate was not refused")
                return
            }
            #expect(duplicate.errors?.keys.sorted() == ["phoneNumbers[2]"])
            #expect(fake.violations.count == breaches.count + 1)
            #expect(fake.blacklistedNumbers.isEmpty)
        }
    }

    @Test("401 for a wrong token and 403 are unauthorized")
    func unauthorized() async throws {
        try await withFake { fake in
            let wrong = client(fake.baseURL, token: "acct:wrong")
            #expect(await wrong.addToBlacklist(phoneNumbers: ["+41"]) == .unauthorized(status: 401))
            fake.behaviour = .status(403, retryAfter: nil)
            #expect(await client(fake.baseURL).addToBlacklist(phoneNumbers: ["+41"]) == .unauthorized(status: 403))
            #expect(fake.calls.map(\.status) == [401, 403])
            #expect(fake.calls.allSatisfy { $0.endpoint == .blacklist })
            #expect(fake.violations.isEmpty)
            #expect(fake.blacklistedNumbers.isEmpty)
        }
    }

    @Test("429 carries Retry-After")
    func rateLimited() async throws {
        try await withFake(behaviour: .script([.rateLimited(retryAfterSeconds: 9), .succeed])) { fake in
            let client = client(fake.baseURL)
            let limited = await client.addToBlacklist(phoneNumbers: ["+41"])
            #expect(limited == .rateLimited(retryAfter: .seconds(9)))
            #expect(limited.isRetryable)
            #expect(fake.blacklistedNumbers.isEmpty)
            #expect(await client.addToBlacklist(phoneNumbers: ["+41"]) == .deleted)
            #expect(fake.blacklistedNumbers == ["+41"])
        }
    }

    @Test(
        "5xx is unavailable, with Retry-After when given",
        arguments: [(500, nil), (502, nil), (503, 30)] as [(Int, Int?)])
    func unavailable(status: Int, retryAfter: Int?) async throws {
        try await withFake(behaviour: .status(status, retryAfter: retryAfter)) { fake in
            let outcome = await client(fake.baseURL).addToBlacklist(phoneNumbers: ["+41"])
            #expect(outcome == .unavailable(status: status, retryAfter: retryAfter.map { .seconds($0) }))
            #expect(outcome.isRetryable)
            #expect(fake.blacklistedNumbers.isEmpty)
        }
    }

    @Test("an answer slower than the timeout is timedOut, in about the timeout")
    func timedOut() async throws {
        try await withFake(behaviour: .delay(afterAnyTest, then: .succeed)) { fake in
            let clock = ContinuousClock()
            let start = clock.now
            let outcome = await client(fake.baseURL, timeout: .milliseconds(300)).addToBlacklist(phoneNumbers: ["+41"])
            let elapsed = clock.now - start
            #expect(outcome == .timedOut)
            // It waited for its deadline, and no longer: the fake answers long after the test.
            #expect(elapsed >= .milliseconds(250) && elapsed < atOnce)
        }
    }

    @Test("a redirect is not followed, and a base URL's path prefix is kept")
    func redirectAndPrefix() async throws {
        try await withServer({ request in
            request.rawURI.hasPrefix("/moved")
                ? .init(status: 308, headers: [.location: "http://127.0.0.1:1/v2/Account/Blacklist"])
                : .text(200, "true")
        }) { baseURL, seen in
            #expect(await client(baseURL + "/nlpearl/").addToBlacklist(phoneNumbers: ["+41"]) == .deleted)
            let moved = await client(baseURL + "/moved").addToBlacklist(phoneNumbers: ["+41"])
            #expect(
                moved
                    == .unexpected(
                        status: 308, detail: "redirect to http://127.0.0.1:1/v2/Account/Blacklist not followed"))
            #expect(seen().map(\.rawURI) == ["/nlpearl/v2/Account/Blacklist", "/moved/v2/Account/Blacklist"])
            #expect(seen().allSatisfy { $0.method == .post })
        }
    }

    @Test("no outcome text shows the token, and a token with a line break is refused before sending")
    func tokenNeverShown() async throws {
        let token = "acct-1234:sk_live_SHOULD_NOT_APPEAR"
        try await withFake(token: token) { fake in
            let right = client(fake.baseURL, token: token)
            var outcomes: [BlacklistOutcome] = []
            for behaviour: FakeNLPearl.Behaviour in [
                .succeed, .answerFalse, .rejectPhoneNumbers(["+41"]), .status(500, retryAfter: 1),
                .rateLimited(retryAfterSeconds: 1),
                .respond(status: 200, headers: [], body: Array("echo \(token)".utf8)),
            ] {
                fake.behaviour = behaviour
                outcomes.append(await right.addToBlacklist(phoneNumbers: ["+41"]))
            }
            fake.behaviour = .succeed
            outcomes.append(await right.addToBlacklist(phoneNumbers: ["+41", "+41"]))
            outcomes.append(await client(fake.baseURL, token: "acct-1234:other").addToBlacklist(phoneNumbers: ["+41"]))
            fake.behaviour = .delay(.seconds(10), then: .succeed)
            outcomes.append(
                await client(fake.baseURL, token: token, timeout: .milliseconds(200)).addToBlacklist(phoneNumbers: [
                    "+41"
                ]))
            #expect(outcomes.count == 9)
            #expect(Set(outcomes.compactMap(\.httpStatus)) == [200, 400, 401, 429, 500])
            for outcome in outcomes {
                #expect(!"\(outcome)".contains("SHOULD_NOT_APPEAR"))
                #expect(!String(reflecting: outcome).contains("SHOULD_NOT_APPEAR"))
            }

            let callsBefore = fake.callCount
            let broken = await client(fake.baseURL, token: token + "\r\nX-Evil: 1").addToBlacklist(phoneNumbers: ["+41"]
            )
            guard case .connectionFailed(let message) = broken else {
                Issue.record("expected .connectionFailed, got \(broken)")
                return
            }
            #expect(!message.contains("SHOULD_NOT_APPEAR"))
            try await Task.sleep(for: .milliseconds(100))
            #expect(fake.callCount == callsBefore)
        }
    }
}
