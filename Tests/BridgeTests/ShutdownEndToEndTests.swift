import FakeNLPearl
import Foundation
import TestSupport
import Testing

/// SIGTERM's two phases through the real service (SPEC §6, "shutting down"): while it drains, opt-outs are still
/// journaled and answered as usual; once it refuses, each sender hears the refusal in its own dialect.
@Suite struct ShutdownEndToEndTests {
    /// A webhook whose NLPearl call hangs, so that its handler is still running when the grace period ends.
    private func refusedInFlight(_ type: String) async throws -> RawHTTPConnection.Response {
        let sender = try #require(WebhookSenderCase.all.first { $0.type == type })
        var response: RawHTTPConnection.Response?
        try await sender.withBridge(
            overrides: ["delivery": ["syncWaitMilliseconds": 60000]], behaviour: .delay(.seconds(30), then: .succeed)
        ) { bridge in
            let request = try sender.signed(try sender.body("optout"), port: bridge.port)
            let port = bridge.port
            let inFlight = Task { try await WebhookSenderCase.send(request, port: port) }
            // Journaled: its handler now waits for the NLPearl call that hangs.
            try await waitUntil { try !bridge.service.journal.list().isEmpty }
            await bridge.service.shutdown(gracePeriod: .milliseconds(200))
            response = try await inFlight.value
        }
        return try #require(response)
    }

    @Test func salesforceIsRefusedWithASOAPFaultNotAProblem() async throws {
        let response = try await refusedInFlight("salesforce")
        #expect(response.status == 500)
        #expect(response.header("Content-Type")?.hasPrefix("text/xml") == true)
        #expect(response.text.contains("soapenv:Fault"))
        #expect(!response.text.contains("<Ack>true</Ack>"))
        #expect(response.header("Connection")?.lowercased() == "close")
    }

    @Test func goHighLevelIsRefusedWith429AndRetryAfterBecauseItRetriesNothingElse() async throws {
        let response = try await refusedInFlight("gohighlevel")
        #expect(response.status == 429)
        #expect(Int(response.header("Retry-After") ?? "") ?? 0 >= 1)
    }

    @Test func anOptOutThatArrivesWhileDrainingIsJournaledAndAnswered() async throws {
        let bridge = try await BridgeHarness(behaviour: .delay(.seconds(3), then: .succeed))
        let port = bridge.port
        let first = Task {
            try await blocking {
                try RawHTTPConnection(port: port).request(
                    "POST", "/v1/opt-outs", headers: [("Authorization", "Bearer \(BridgeHarness.apiToken)")],
                    json: #"{"keys": ["email:jane.doe@example.com"]}"#)
            }
        }
        try await waitUntil { try !bridge.service.journal.list().isEmpty }
        let shutdown = Task { await bridge.service.shutdown(gracePeriod: .seconds(20)) }
        try await waitUntil { bridge.service.isDraining }
        let second = try await bridge.optOut(#"{"keys": ["email:john@example.com"]}"#)
        #expect(second.status == 200 || second.status == 202, "\(second.text)")
        #expect(second.header("Connection")?.lowercased() == "close")
        let id = try #require((second.json as? [String: Any])?["id"] as? String)
        #expect(try await bridge.service.journal.record(id: id) != nil)
        #expect(try await first.value.status == 200)
        await shutdown.value
        await bridge.stop()
    }
}
