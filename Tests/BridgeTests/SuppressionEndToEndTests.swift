import Bridge
import Config
import FakeNLPearl
import Foundation
import Journal
import Logging
import TestSupport
import Testing

/// SPEC §9 through the real server, journal, mapping reload and fake NLPearl: an opt-out is never forgotten.
@Suite struct SuppressionEndToEndTests {
    private static let zoe = #"{"keys": ["email:zoe@example.com", "phone:+15550001111"]}"#
    private static let zoeLead = "lead-zoe"

    /// The default mapping with Zoe added, as the operator adds her after her opt-out.
    private static let mappingWithZoe = defaultMapping.replacingOccurrences(
        of: #"{ "keys": ["email:bad@example.com"],"#,
        with: #"""
            { "keys": ["email:Zoe@example.com"],
                  "leads": [ { "pearlId": "6720c0f8e4b0a1b2c3d4e5f6", "leadId": "lead-zoe" } ] },
                { "keys": ["email:bad@example.com"],
            """#)

    /// A generic sender `crm` that reads `email` and `id` from each event, behind a bearer token.
    private static var crmSender: [String: Any] {
        [
            "senders": [
                [
                    "name": "crm", "type": "generic", "bearer": "hook-token",
                    "fields": ["email": "/email", "eventId": "/id"],
                ]
            ]
        ]
    }

    private func writeMapping(_ text: String, _ bridge: BridgeHarness) throws {
        try text.write(to: bridge.directory.appendingPathComponent("mapping.json"), atomically: true, encoding: .utf8)
    }

    @Test func anUnmappedOptOutIsSuppressedAndItsLeadIsDeletedWhenTheMappingLearnsOfIt() async throws {
        let bridge = try await BridgeHarness(overrides: ["mapping": ["reloadIntervalSeconds": 3600]])
        let response = try await bridge.optOut(Self.zoe)
        #expect(response.status == 200)
        let body = try #require(response.json as? [String: Any])
        #expect(body["status"] as? String == "suppressed")
        let id = try #require(body["id"] as? String)
        #expect(bridge.fake.blacklistedNumbers == ["+15550001111"])
        #expect((body["blacklist"] as? [[String: Any]])?.first?["status"] as? String == "blacklisted")

        // The operator adds Zoe with a lead; the reload (SIGHUP's path) enforces the list on it.
        try writeMapping(Self.mappingWithZoe, bridge)
        await bridge.service.reloadMapping()
        try await waitUntil { bridge.fake.deletedLeads[examplePearl]?.contains(Self.zoeLead) == true }

        let records = try bridge.service.journal.list(status: nil, since: nil)
        let enforced = try #require(records.first { $0.source == "suppression" })
        #expect(enforced.suppressedBy == id)
        #expect(enforced.leads.map(\.leadId) == [Self.zoeLead])
        try await bridge.waitForStatus(enforced.id, "deleted")

        // Another reload finds nothing new: the lead is deleted once.
        await bridge.service.reloadMapping()
        _ = await bridge.service.enforcer?.enforce(bridge.service.mappings.current)
        let deletes = bridge.fake.calls.filter { $0.endpoint == .deleteLeads }
        #expect(deletes.compactMap(\.leadIds).flatMap { $0 } == [Self.zoeLead])
        #expect(bridge.fake.violations.isEmpty)
        await bridge.stop()
    }

    @Test func anUnmappedOptOutIsLoggedOnceAsSuppressed() async throws {
        let logs = LogOutput.capturing()
        let bridge = try await BridgeHarness(logs: logs)
        let body = #"{"keys": ["email:zoe@example.com"], "idempotencyKey": "t-1"}"#
        #expect(try await bridge.optOut(body).status == 200)
        #expect(try await bridge.optOut(body).status == 200)  // a duplicate: not logged again
        #expect(try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#).status == 200)
        await bridge.stop()
        let lines = logs.captured.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["msg"] as? String == "opt-out suppressed: no lead is mapped to its keys yet" }
        #expect(lines.count == 1)
        #expect(lines.first?["source"] as? String == "api")
        #expect((lines.first?["opt_out_id"] as? String)?.hasPrefix("op_") == true)
    }

    @Test func theSuppressionEndpointsShowAndCheckKeys() async throws {
        let bridge = try await BridgeHarness()
        let created = try #require(try await bridge.optOut(Self.zoe).json as? [String: Any])
        let entry = try await bridge.get("/v1/suppressions/email:ZOE@example.com")
        #expect(entry.status == 200)
        let record = try #require(entry.json as? [String: Any])
        #expect(record["key"] as? String == "email:zoe@example.com")
        #expect(record["firstOptOutId"] as? String == created["id"] as? String)
        #expect(record["optOutCount"] as? Int == 1)
        let phone = try #require(try await bridge.get("/v1/suppressions/phone:+15550001111").json as? [String: Any])
        #expect((phone["blacklist"] as? [String: Any])?["state"] as? String == "blacklisted")

        #expect(try await bridge.get("/v1/suppressions/email:nobody@example.com").status == 404)
        #expect(try await bridge.get("/v1/suppressions/email:zoe@example.com", authorized: false).status == 401)
        #expect(try await bridge.get("/v1/suppressions/nonsense").status == 400)

        let check = try await bridge.request(
            "POST", "/v1/suppressions/check", headers: [("Authorization", "Bearer \(BridgeHarness.apiToken)")],
            body: Array(#"{"keys": ["phone:(555) 000-1111", "email:nobody@example.com", "garbage"]}"#.utf8))
        #expect(check.status == 200)
        let answer = try #require(check.json as? [String: Any])
        let results = try #require(answer["results"] as? [[String: Any]])
        #expect(results.map { $0["suppressed"] as? Bool } == [true, false, false])
        #expect(results[0]["normalizedKey"] as? String == "phone:+15550001111")
        #expect(results[2]["valid"] as? Bool == false)
        #expect(answer["suppressed"] as? Int == 1)

        let tooMany = "{\"keys\": [" + Array(repeating: "\"email:a@b.c\"", count: 10_001).joined(separator: ",") + "]}"
        let refused = try await bridge.request(
            "POST", "/v1/suppressions/check", headers: [("Authorization", "Bearer \(BridgeHarness.apiToken)")],
            body: Array(tooMany.utf8))
        #expect(refused.status == 400)
        await bridge.stop()
    }

    @Test func rejectAnswers404ButSuppressesAndARetryAfterTheMappingChangedResolvesAfresh() async throws {
        let bridge = try await BridgeHarness(
            overrides: [
                "unmapped": "reject", "mapping": ["reloadIntervalSeconds": 3600],
                "suppression": ["enforceOnMappingLoad": false],
            ])
        let submission = #"{"keys": ["email:zoe@example.com"], "idempotencyKey": "ticket-9"}"#
        let first = try await bridge.optOut(submission)
        #expect(first.status == 404)
        #expect(try await bridge.get("/v1/suppressions/email:zoe@example.com").status == 200)

        try writeMapping(Self.mappingWithZoe, bridge)
        await bridge.service.reloadMapping()
        let retry = try await bridge.optOut(submission)
        #expect(retry.status == 200)
        let body = try #require(retry.json as? [String: Any])
        #expect(body["status"] as? String == "deleted")
        #expect(body["duplicate"] as? Bool == true)
        #expect(bridge.fake.deletedLeads[examplePearl] == [Self.zoeLead])
        await bridge.stop()
    }

    @Test func webhooksOfUnmappedContactsAreAnswered200Suppressed() async throws {
        let bridge = try await BridgeHarness(overrides: Self.crmSender)
        let response = try await bridge.hook(Array(#"{"id": "e1", "email": "Zoe@Example.com"}"#.utf8))
        #expect(response.status == 200)
        #expect((response.json as? [String: Any])?["status"] as? String == "suppressed")
        #expect(try await bridge.get("/v1/suppressions/email:zoe@example.com").status == 200)
        let metrics = String(decoding: try await bridge.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"optout_bridge_optouts_total{source="crm",status="suppressed",duplicate="false"} 1"#))
        #expect(metrics.contains("optout_bridge_suppressed_keys 1"))
        await bridge.stop()
    }

    @Test func aBurstOfPhonesIsBlacklistedInFewCallsWithNoDuplicateInACall() async throws {
        let bridge = try await BridgeHarness(
            overrides: ["nlpearl": ["maxConcurrentRequests": 1]], behaviour: .delay(.milliseconds(50), then: .succeed))
        let phones = (0..<60).map { String(format: "+1555010%04d", $0 % 50) }  // ten numbers twice
        try await withThrowingTaskGroup(of: Int.self) { group in
            for phone in phones {
                group.addTask { try await bridge.optOut(#"{"keys": ["phone:\#(phone)"]}"#).status }
            }
            for try await status in group {
                #expect(status == 200 || status == 202)
            }
        }
        try await waitUntil { bridge.fake.blacklistedNumbers.count == 50 }
        let calls = bridge.fake.calls.filter { $0.endpoint == .blacklist }
        #expect(calls.count < 30, "\(calls.count) blacklist calls for 60 opt-outs")
        for call in calls {
            let numbers = try #require(call.phoneNumbers)
            #expect(Set(numbers).count == numbers.count)
        }
        #expect(bridge.fake.violations.isEmpty)
        await bridge.stop()
    }

    @Test func aFailingBlacklistCallIsRetriedAndTheOptOutWaitsForIt() async throws {
        let bridge = try await BridgeHarness(
            overrides: ["delivery": ["syncWaitMilliseconds": 200]],
            behaviour: .script([.status(503, retryAfter: nil), .succeed]))
        let response = try await bridge.optOut(#"{"keys": ["phone:+15550003333"]}"#)
        #expect(response.status == 202)
        let id = try #require((response.json as? [String: Any])?["id"] as? String)
        try await bridge.waitForStatus(id, "suppressed")
        let record = try #require(try await bridge.get("/v1/opt-outs/\(id)").json as? [String: Any])
        let blacklist = try #require((record["blacklist"] as? [[String: Any]])?.first)
        #expect(blacklist["phoneNumber"] as? String == "+15550003333")
        #expect(
            (blacklist["attempts"] as? [[String: Any]])?.map { $0["outcome"] as? String } == ["unavailable", "deleted"])
        #expect(bridge.fake.blacklistedNumbers == ["+15550003333"])
        await bridge.stop()
    }

    @Test func dryRunSendsNoBlacklistCall() async throws {
        let bridge = try await BridgeHarness(overrides: ["dryRun": true])
        let response = try await bridge.optOut(#"{"keys": ["phone:+15550004444"]}"#)
        #expect(response.status == 200)
        #expect((response.json as? [String: Any])?["status"] as? String == "dry_run")
        #expect(bridge.fake.callCount == 0)
        let entry = try #require(try await bridge.get("/v1/suppressions/phone:+15550004444").json as? [String: Any])
        #expect((entry["blacklist"] as? [String: Any])?["state"] as? String == "dry_run")
        await bridge.stop()
    }

    @Test func blacklistPhonesOffSendsNone() async throws {
        let bridge = try await BridgeHarness(overrides: ["suppression": ["blacklistPhones": false]])
        let response = try await bridge.optOut(#"{"keys": ["phone:+15550005555"]}"#)
        #expect((response.json as? [String: Any])?["status"] as? String == "suppressed")
        #expect(bridge.fake.callCount == 0)
        await bridge.stop()
    }

    @Test func aRestartEnforcesTheListOnTheMappingItLoads() async throws {
        let first = try await BridgeHarness()
        _ = try await first.optOut(#"{"keys": ["email:zoe@example.com"]}"#)
        let directory = first.directory
        await first.service.shutdown(gracePeriod: .seconds(1))
        try Self.mappingWithZoe.write(
            to: directory.appendingPathComponent("mapping.json"), atomically: true, encoding: .utf8)
        // A second service on the same folder: the journal and the new mapping.
        let (configuration, _) = try BridgeConfiguration.load(
            file: directory.appendingPathComponent("optout-bridge.json").path,
            environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        let second = try BridgeService(
            configuration: configuration, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try await second.start()
        try await waitUntil { first.fake.deletedLeads[examplePearl]?.contains(Self.zoeLead) == true }
        await second.shutdown(gracePeriod: .seconds(1))
        await first.fake.stop()
    }

    @Test func aBadItemOfAnAPIArrayIsJournaledAsInvalidBesideTheGoodOnes() async throws {
        let bridge = try await BridgeHarness()
        let response = try await bridge.optOut(#"[{"keys": ["email:zoe@example.com"]}, {"keys": ["phone:12"]}]"#)
        #expect(response.status == 200)
        let results = try #require((response.json as? [String: Any])?["results"] as? [[String: Any]])
        #expect(results.map { $0["status"] as? String } == ["suppressed", "invalid"])
        let invalid = try bridge.service.journal.list(status: .invalid)
        #expect(invalid.count == 1)
        #expect(invalid.first?.identifiers == ["phone:12"])
        #expect(invalid.first?.reason?.hasPrefix("item 1:") == true)
        #expect(try await bridge.get("/v1/suppressions/email:zoe@example.com").status == 200)
        await bridge.stop()
    }

    @Test func oneBadEventNoLongerSinksItsBatch() async throws {
        let bridge = try await BridgeHarness(overrides: Self.crmSender)
        let response = try await bridge.hook(Array(#"[{"id":"e1","email":"a@b.com"},{"id":"e2","email":"nope"}]"#.utf8))
        #expect(response.status == 200)
        #expect(try await bridge.get("/v1/suppressions/email:a@b.com").status == 200)
        let invalid = try bridge.service.journal.list(status: .invalid)
        #expect(invalid.count == 1)
        #expect(invalid.first?.reason?.contains("e2") == true)
        let allBad = try await bridge.hook(Array(#"[{"id":"e3","email":"nope"}]"#.utf8))
        #expect(allBad.status == 400)
        await bridge.stop()
    }
}

extension BridgeHarness {
    /// `POST /hooks/crm` with the bearer token of ``SuppressionEndToEndTests``' generic sender.
    fileprivate func hook(_ body: [UInt8]) async throws -> RawHTTPConnection.Response {
        try await request("POST", "/hooks/crm", headers: [("Authorization", "Bearer hook-token")], body: body)
    }
}
