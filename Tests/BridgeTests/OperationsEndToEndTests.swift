import FakeNLPearl
import Foundation
import TestSupport
import Testing

/// Health, readiness, metrics, the OpenAPI document, mapping reloads and journal failure, through the real server.
@Suite struct OperationsEndToEndTests {
    @Test func healthzAndReadyzAnswerWhileAllIsWell() async throws {
        let bridge = try await BridgeHarness()
        #expect(try await bridge.request("GET", "/healthz").status == 200)
        let ready = try await bridge.request("GET", "/readyz")
        #expect(ready.status == 200)
        let checks = try #require((ready.json as? [String: Any])?["checks"] as? [String: [String: Any]])
        #expect(checks["mapping"]?["contacts"] as? Int == 3)
        #expect(checks["journal"]?["ok"] as? Bool == true)
        #expect(try await bridge.request("HEAD", "/healthz").status == 200)
        await bridge.stop()
    }

    /// SPEC §7: a rejected token holds the deliveries, but the journal still takes opt-outs, so readiness stays 200
    /// (failing every replica at once would refuse the webhooks); the body, the metric and the log tell.
    @Test func aRejectedTokenShowsInReadinessWithoutFailingIt() async throws {
        let bridge = try await BridgeHarness(behaviour: .status(401, retryAfter: nil))
        let response = try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#)
        #expect(response.status == 202)
        let ready = try await bridge.request("GET", "/readyz")
        #expect(ready.status == 200, "\(ready.text)")
        #expect(ready.header("Retry-After") == nil)
        let body = try #require(ready.json as? [String: Any])
        #expect(body["status"] as? String == "ready")
        #expect(body["reasons"] as? [String] == [])
        let checks = try #require(body["checks"] as? [String: [String: Any]])
        #expect(checks["nlpearl"]?["ok"] as? Bool == false)
        #expect((checks["nlpearl"]?["reason"] as? String)?.contains("NLPearl rejects the API token") == true)
        #expect(checks["mapping"]?["ok"] as? Bool == true)
        #expect(checks["journal"]?["ok"] as? Bool == true)
        let metrics = try await bridge.request("GET", "/metrics").text
        #expect(metrics.contains("optout_bridge_nlpearl_token_rejected 1"))
        // Opt-outs are still taken and journaled while the token is rejected.
        #expect(try await bridge.optOut(#"{"keys": ["email:john@example.com"]}"#).status == 202)
        await bridge.stop()
    }

    @Test func theOpenAPIDocumentSaysThatARejectedTokenDoesNotFailReadiness() async throws {
        let bridge = try await BridgeHarness()
        let document = try #require(try await bridge.request("GET", "/openapi.json").json as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let readyz = try #require(paths["/readyz"]?["get"] as? [String: Any])
        let responses = try #require(readyz["responses"] as? [String: [String: Any]])
        #expect((readyz["summary"] as? String)?.contains("token") == false)
        #expect((responses["200"]?["description"] as? String)?.contains("checks.nlpearl") == true)
        #expect((responses["503"]?["description"] as? String)?.contains("token") == false)
        await bridge.stop()
    }

    @Test func metricsCountRequestsOutcomesAndCalls() async throws {
        let bridge = try await BridgeHarness()
        _ = try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#)
        _ = try await bridge.optOut(#"{"keys": ["email:john@example.com"]}"#)
        _ = try await bridge.optOut(#"{"keys": ["email:nobody@example.com"]}"#)
        let text = try await bridge.request("GET", "/metrics").text
        #expect(text.contains(#"optout_bridge_http_requests_total{route="api",status="200"} 3"#))
        #expect(text.contains(#"optout_bridge_optouts_total{source="api",status="suppressed",duplicate="false"} 1"#))
        #expect(text.contains(#"optout_bridge_optouts_total{source="api",status="deleted",duplicate="false"} 2"#))
        #expect(text.contains(#"optout_bridge_nlpearl_calls_total{result="deleted"} 3"#))
        #expect(text.contains("optout_bridge_nlpearl_call_duration_seconds_count 3"))
        #expect(text.contains("optout_bridge_mapping_contacts 3"))
        #expect(text.contains("optout_bridge_journal_pending_leads 0"))
        // One after the other, each of the three appends had a transaction and an fsync of its own before its answer.
        let transactions = try #require(Self.value(of: "optout_bridge_journal_transactions_total", in: text))
        let fsyncs = try #require(Self.value(of: "optout_bridge_journal_fsyncs_total", in: text))
        #expect(transactions >= 3 && fsyncs >= 3)
        // A scrape adds what the journal did since the last one, not its whole count again.
        _ = try await bridge.optOut(#"{"keys": ["email:nobody@example.com"]}"#)
        let later = try await bridge.request("GET", "/metrics").text
        let moreTransactions = try #require(Self.value(of: "optout_bridge_journal_transactions_total", in: later))
        let moreFsyncs = try #require(Self.value(of: "optout_bridge_journal_fsyncs_total", in: later))
        #expect(moreTransactions > transactions && moreTransactions < transactions + transactions)
        #expect(moreFsyncs > fsyncs && moreFsyncs < fsyncs + fsyncs)
        await bridge.stop()
    }

    /// The value of an unlabelled sample in the text exposition.
    private static func value(of name: String, in exposition: String) -> Double? {
        exposition.split(separator: "\n").lazy.compactMap { line -> Double? in
            let parts = line.split(separator: " ")
            guard parts.count == 2, parts[0] == name else { return nil }
            return Double(parts[1])
        }.first
    }

    @Test func theOpenAPIDocumentDescribesEveryRoute() async throws {
        let bridge = try await BridgeHarness()
        let response = try await bridge.request("GET", "/openapi.json")
        #expect(response.status == 200)
        let document = try #require(response.json as? [String: Any])
        #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
        let paths = try #require(document["paths"] as? [String: Any])
        #expect(
            Set(paths.keys) == [
                "/v1/opt-outs", "/v1/opt-outs/{id}", "/v1/suppressions/{key}", "/v1/suppressions/check",
                "/hooks/{sender}", "/healthz", "/readyz", "/metrics", "/openapi.json",
            ])
        await bridge.stop()
    }

    @Test func theMappingReloadsWhenItsFileChangesAndKeepsTheLastGoodOne() async throws {
        let bridge = try await BridgeHarness()
        let file = bridge.directory.appendingPathComponent("mapping.json")
        let status = { @Sendable () async throws -> String? in
            (try await bridge.optOut(#"{"keys": ["email:new@example.com"]}"#).json as? [String: Any])?["status"]
                as? String
        }
        #expect(try await status() == "suppressed")

        let updated = defaultMapping.replacingOccurrences(of: "email:john@example.com", with: "email:new@example.com")
        try updated.write(to: file, atomically: true, encoding: .utf8)
        try await waitUntil { try await status() == "deleted" }

        try #"{"version": 1, "contacts": [ {"keys": ["email:x@example.com"], "leads": [}] }"#.write(
            to: file, atomically: true, encoding: .utf8)
        try await waitUntil {
            let checks = (try await bridge.request("GET", "/readyz").json as? [String: Any])?["checks"]
            return ((checks as? [String: [String: Any]])?["mapping"]?["lastReloadFailed"] as? Bool) == true
        }
        // The last good mapping is still in service.
        #expect(try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#).status == 200)
        #expect(
            try await bridge.request("GET", "/metrics").text.contains("optout_bridge_mapping_last_reload_success 0"))
        await bridge.stop()
    }

    @Test func aJournalThatCannotBeWrittenAnswers503AndNeverAcknowledges() async throws {
        let bridge = try await BridgeHarness()
        #expect(try await bridge.optOut(#"{"keys": ["email:jane.doe@example.com"]}"#).status == 200)
        // The volume under the journal goes away: the journal refuses to write into a deleted file.
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: bridge.directory.appendingPathComponent("journal.sqlite\(suffix)"))
        }
        let response = try await bridge.optOut(#"{"keys": ["email:john@example.com"]}"#)
        #expect(response.status == 503)
        #expect(response.header("Retry-After") != nil)
        #expect(bridge.fake.deletedLeads[examplePearl] == ["lead-jane"])
        #expect(try await bridge.request("GET", "/readyz").status == 503)
        await bridge.stop()
    }
}
