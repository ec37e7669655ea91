import FakeNLPearl
import Foundation
import Journal
import TestSupport
import Testing

/// SPEC §6, `/v1/opt-outs` column, one outcome at a time, through the real server, journal and fake NLPearl.
@Suite struct OptOutsEndToEndTests {
    @Test func deletedLeadsAnswer200AndTheDeleteArrivesAtNLPearl() async throws {
        let bridge = try await BridgeHarness()
        let response = try await bridge.optOut(#"{"keys": ["email: JANE.doe@Example.com "]}"#)
        #expect(response.status == 200)
        let body = try #require(response.json as? [String: Any])
        #expect(body["status"] as? String == "deleted")
        #expect((body["id"] as? String)?.hasPrefix("op_") == true)
        let leads = try #require(body["leads"] as? [[String: Any]])
        #expect(leads.map { $0["leadId"] as? String } == ["lead-jane"])
        #expect(bridge.fake.calls.map(\.leadIds) == [["lead-jane"]])
        #expect(bridge.fake.calls.first?.pearlId == examplePearl)
        #expect(bridge.fake.violations.isEmpty)
        #expect(response.header("X-Request-Id")?.isEmpty == false)
        #expect(response.header("Connection")?.lowercased() != "close")
        await bridge.stop()
    }

    @Test func aKeyResolvesEveryLeadOfTheContactAcrossCampaigns() async throws {
        let bridge = try await BridgeHarness()
        let response = try await bridge.optOut(#"{"keys": ["email:john@example.com"]}"#)
        #expect(response.status == 200)
        #expect(
            bridge.fake.deletedLeads == [examplePearl: ["lead-john-1"], "6720c0f8e4b0a1b2c3d4e5f7": ["lead-john-2"]])
        await bridge.stop()
    }

    @Test func phoneKeysAreNormalisedBeforeLookup() async throws {
        let bridge = try await BridgeHarness()
        let response = try await bridge.optOut(#"{"keys": ["phone:(555) 123-4567"]}"#)
        #expect(response.status == 200)
        #expect(bridge.fake.deletedLeads[examplePearl] == ["lead-jane"])
        await bridge.stop()
    }

    @Test func explicitLeadsAreDeletedAsGiven() async throws {
        let bridge = try await BridgeHarness()
        let response = try await bridge.optOut(#"{"leads": [{"pearlId": "p-9", "leadId": "l-9"}]}"#)
        #expect(response.status == 200)
        #expect(bridge.fake.deletedLeads == ["p-9": ["l-9"]])
        await bridge.stop()
    }

    @Test func anUnmappedContactIs200SuppressedAndJournaled() async throws {
        let bridge = try await BridgeHarness()
        let response = try await bridge.optOut(#"{"keys": ["email:nobody@example.com"]}"#)
        #expect(response.status == 200)
        let optOut = try #require(response.json as? [String: Any])
        #expect(optOut["status"] as? String == "suppressed")
        let id = try #require(optOut["id"] as? String)
        #expect(try await bridge.get("/v1/opt-outs/\(id)").status == 200)
        #expect(bridge.fake.callCount == 0)
        await bridge.stop()
    }

    @Test func anUnmappedContactIs404WhenUnmappedIsRejectAndJournaledAsSuppressed() async throws {
        let bridge = try await BridgeHarness(overrides: ["unmapped": "reject"])
        let response = try await bridge.optOut(#"{"keys": ["email:nobody@example.com"]}"#)
        #expect(response.status == 404)
        #expect(response.header("Content-Type") == "application/problem+json")
        let problem = try #require(response.json as? [String: Any])
        #expect((problem["type"] as? String)?.hasSuffix("unmapped") == true)
        let optOut = try #require(problem["optOut"] as? [String: Any])
        #expect(optOut["status"] as? String == "suppressed")
        let id = try #require(optOut["id"] as? String)
        #expect(try await bridge.get("/v1/opt-outs/\(id)").status == 200)
        #expect(bridge.fake.callCount == 0)
        await bridge.stop()
    }

    @Test func nlpearlFalseIs422NotDeleted() async throws {
        let bridge = try await BridgeHarness(behaviour: .answerFalse)
        let response = try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#)
        #expect(response.status == 422)
        #expect((response.json as? [String: Any])?["status"] as? String == "not_deleted")
        await bridge.stop()
    }

    @Test func nlpearl400Is422ProblemWithNLPearlsErrors() async throws {
        let bridge = try await BridgeHarness(behaviour: .rejectLeads(["lead-jane"]))
        let response = try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#)
        #expect(response.status == 422)
        #expect(response.header("Content-Type") == "application/problem+json")
        let problem = try #require(response.json as? [String: Any])
        let errors = try #require(problem["errors"] as? [String: [String]])
        #expect(errors.values.joined().contains { $0.contains("lead-jane") })
        #expect((problem["optOut"] as? [String: Any])?["status"] as? String == "rejected")
        await bridge.stop()
    }

    @Test func nlpearlDownIs202QueuedThenDeliveredAfterItRecovers() async throws {
        let bridge = try await BridgeHarness(behaviour: .status(503, retryAfter: nil))
        let response = try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#)
        #expect(response.status == 202)
        let id = try #require((response.json as? [String: Any])?["id"] as? String)
        #expect((response.json as? [String: Any])?["status"] as? String == "queued")
        bridge.fake.behaviour = .succeed
        try await bridge.waitForStatus(id, "deleted")
        #expect(bridge.fake.deletedLeads[examplePearl] == ["lead-jane"])
        await bridge.stop()
    }

    /// SPEC §7: a `failed` opt-out (given up after `giveUpAfterHours`) is never answered 2xx, nor 422 as if the
    /// request were at fault: 503 `delivery-failed` with `Retry-After`, the record in the problem.
    @Test func aFailedOptOutIs503DeliveryFailed() async throws {
        // Given up at the first attempt: it answers after 100 ms, past the 36 ms that 0.00001 hours allow.
        let bridge = try await BridgeHarness(
            overrides: ["delivery": ["retry": ["giveUpAfterHours": 0.00001]]],
            behaviour: .delay(.milliseconds(100), then: .status(500, retryAfter: nil)))
        let response = try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#)
        #expect(response.status == 503, "\(response.text)")
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(Int(response.header("Retry-After") ?? "") ?? 0 >= 1)
        let problem = try #require(response.json as? [String: Any])
        #expect((problem["type"] as? String)?.hasSuffix("delivery-failed") == true)
        #expect(problem["status"] as? Int == 503)
        #expect((problem["optOut"] as? [String: Any])?["status"] as? String == "failed")
        await bridge.stop()
    }

    /// SIGTERM's shutdown waits for the NLPearl call in flight and journals its outcome: a lead deleted at NLPearl
    /// is not left pending, to be sent again after the restart and answered `false`.
    @Test func shutdownWaitsForTheCallInFlightAndJournalsItsOutcome() async throws {
        let bridge = try await BridgeHarness(
            overrides: ["delivery": ["syncWaitMilliseconds": 100]], behaviour: .delay(.seconds(3), then: .succeed))
        let response = try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#)
        #expect(response.status == 202)
        let id = try #require((response.json as? [String: Any])?["id"] as? String)
        await bridge.service.shutdown(gracePeriod: .seconds(8))
        #expect(bridge.fake.deletedLeads[examplePearl] == ["lead-jane"])
        let record = try #require(try await bridge.service.journal.record(id: id))
        #expect(record.status == .deleted)
        #expect(record.leads.allSatisfy { $0.status == .deleted })
        await bridge.stop()
    }

    @Test func aSlowNLPearlIs202AfterTheSyncWait() async throws {
        let bridge = try await BridgeHarness(
            overrides: ["delivery": ["syncWaitMilliseconds": 200]], behaviour: .delay(.seconds(1), then: .succeed))
        let response = try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#)
        #expect(response.status == 202)
        let id = try #require((response.json as? [String: Any])?["id"] as? String)
        try await bridge.waitForStatus(id, "deleted")
        await bridge.stop()
    }

    @Test func syncModeAnswers503WithRetryAfterUntilDelivered() async throws {
        let bridge = try await BridgeHarness(
            overrides: ["delivery": ["ackMode": "sync"]], behaviour: .status(500, retryAfter: nil))
        let body = #"{"keys": ["email:jane.doe@example.com"], "idempotencyKey": "crm-evt-1"}"#
        let first = try await bridge.optOut(body)
        #expect(first.status == 503)
        #expect(Int(first.header("Retry-After") ?? "") ?? 0 >= 1)
        bridge.fake.behaviour = .succeed
        try await waitUntil {
            let again = try await bridge.optOut(body)
            return again.status == 200 && (again.json as? [String: Any])?["duplicate"] as? Bool == true
        }
        #expect(bridge.fake.deletedLeads[examplePearl] == ["lead-jane"])
        await bridge.stop()
    }

    @Test func aDuplicateAnswersTheFirstRecordAndCallsNothing() async throws {
        let bridge = try await BridgeHarness()
        let body = #"{"keys": ["email:jane.doe@example.com"]}"#
        let first = try await bridge.optOut(body, headers: [("Idempotency-Key", "ticket-4711")])
        let second = try await bridge.optOut(body, headers: [("Idempotency-Key", "ticket-4711")])
        let a = try #require(first.json as? [String: Any])
        let b = try #require(second.json as? [String: Any])
        #expect(first.status == 200)
        #expect(second.status == 200)
        #expect(a["id"] as? String == b["id"] as? String)
        #expect(a["duplicate"] == nil)
        #expect(b["duplicate"] as? Bool == true)
        #expect(bridge.fake.callCount == 1)
        await bridge.stop()
    }

    @Test func anArrayIsAnsweredItemByItemInOrder() async throws {
        let bridge = try await BridgeHarness()
        let response = try await bridge.optOut(
            #"[{"keys": ["email:jane.doe@example.com"]}, {"keys": ["email:nobody@example.com"]}, {"keys": ["bad key"]}]"#
        )
        #expect(response.status == 200)
        let results = try #require((response.json as? [String: Any])?["results"] as? [[String: Any]])
        #expect(results.count == 3)
        #expect(results[0]["status"] as? String == "deleted")
        #expect(results[1]["status"] as? String == "suppressed")
        #expect(results[2]["status"] as? String == "invalid")
        await bridge.stop()
    }

    @Test(arguments: [
        (nil as String?, 401), ("Bearer wrong-token", 401), ("Basic dGVzdDp0ZXN0", 401),
    ])
    func aMissingOrWrongTokenIs401(authorization: String?, status: Int) async throws {
        let bridge = try await BridgeHarness()
        let response = try await bridge.request(
            "POST", "/v1/opt-outs", headers: authorization.map { [("Authorization", $0)] } ?? [],
            body: Array(#"{"keys": ["email:jane.doe@example.com"]}"#.utf8))
        #expect(response.status == status)
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(!response.text.contains(BridgeHarness.apiToken))
        #expect(bridge.fake.callCount == 0)
        await bridge.stop()
    }

    @Test(arguments: [
        (#"{"keys": "#, "not valid JSON"),
        (#"{}"#, "at least one of keys or leads"),
        (#"{"keys": ["email:not-an-address"]}"#, "/keys/0"),
        (#"{"keys": ["phone:12"]}"#, "/keys/0"),
        (#"{"leads": [{"pearlId": ""}]}"#, "/leads/0"),
        (#"{"keys": ["email:a@b.co"], "extra": 1}"#, "/extra"),
        (#"[]"#, "between 1 and"),
    ])
    func aMalformedBodyIs400WithTheFieldsAtFault(body: String, expected: String) async throws {
        let bridge = try await BridgeHarness()
        let response = try await bridge.optOut(body)
        #expect(response.status == 400)
        #expect(response.text.contains(expected))
        #expect(bridge.fake.callCount == 0)
        await bridge.stop()
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        let bridge = try await BridgeHarness(overrides: ["listen": ["maxBodyBytes": 1024]])
        let response = try await bridge.optOut(
            #"{"keys": ["email:jane.doe@example.com"], "idempotencyKey": ""# + String(repeating: "x", count: 2000)
                + #""}"#)
        #expect(response.status == 413)
        await bridge.stop()
    }

    @Test func unknownPathsAre404AndWrongMethods405WithAllow() async throws {
        let bridge = try await BridgeHarness()
        #expect(try await bridge.request("GET", "/nothing").status == 404)
        #expect(try await bridge.request("POST", "/hooks/unknown-sender").status == 404)
        let wrongMethod = try await bridge.request("GET", "/v1/opt-outs")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.header("Allow") == "POST")
        #expect(try await bridge.request("DELETE", "/healthz").header("Allow") == "GET, HEAD")
        await bridge.stop()
    }

    @Test func everyAnswerCarriesTheCallersRequestIdOrANewOne() async throws {
        let bridge = try await BridgeHarness()
        let echoed = try await bridge.request("GET", "/healthz", headers: [("X-Request-Id", "abc-123")])
        #expect(echoed.header("X-Request-Id") == "abc-123")
        let first = try await bridge.request("GET", "/nothing")
        let second = try await bridge.request("GET", "/nothing")
        #expect(first.header("X-Request-Id") != nil)
        #expect(first.header("X-Request-Id") != second.header("X-Request-Id"))
        await bridge.stop()
    }

    @Test func theRecordShowsEveryAttempt() async throws {
        let bridge = try await BridgeHarness(behaviour: .script([.status(502, retryAfter: nil), .succeed]))
        let response = try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#)
        let id = try #require((response.json as? [String: Any])?["id"] as? String)
        try await bridge.waitForStatus(id, "deleted")
        let record = try #require(try await bridge.get("/v1/opt-outs/\(id)").json as? [String: Any])
        let lead = try #require((record["leads"] as? [[String: Any]])?.first)
        let attempts = try #require(lead["attempts"] as? [[String: Any]])
        #expect(attempts.compactMap { $0["httpStatus"] as? Int } == [502, 200])
        #expect(record["source"] as? String == "api")
        #expect(try await bridge.get("/v1/opt-outs/\(id)", authorized: false).status == 401)
        #expect(try await bridge.get("/v1/opt-outs/op_unknown").status == 404)
        await bridge.stop()
    }

    @Test func dryRunJournalsAndCallsNothing() async throws {
        let bridge = try await BridgeHarness(overrides: ["dryRun": true])
        let response = try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#)
        #expect(response.status == 200)
        #expect((response.json as? [String: Any])?["status"] as? String == "dry_run")
        #expect(bridge.fake.callCount == 0)
        await bridge.stop()
    }
}
