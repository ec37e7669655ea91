import Bridge
import Foundation
import Logging
import OptOutCore
import TestSupport
import Testing

@Suite struct LoggingTests {
    /// One JSON object per line, the request id in every line about a request, and no secret anywhere.
    @Test func logLinesAreJSONWithTheRequestIdAndNoSecret() async throws {
        let logs = LogOutput.capturing()
        let bridge = try await BridgeHarness(
            overrides: [
                "senders": [["name": "intercom", "type": "intercom", "secret": "intercom-signing-secret"]]
            ],
            behaviour: .status(401, retryAfter: nil), logs: logs)
        let accepted = try await bridge.optOut(
            #"{"keys": ["email:jane.doe@example.com"]}"#, headers: [("X-Request-Id", "req-accepted")])
        #expect(accepted.status == 202)
        let refused = try await bridge.request(
            "POST", "/hooks/intercom", headers: [("X-Hub-Signature", "sha1=00"), ("X-Request-Id", "req-refused")],
            body: Array(#"{"topic": "contact.unsubscribed"}"#.utf8))
        #expect(refused.status == 401)
        await bridge.stop()

        let lines = logs.captured
        let objects = lines.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(objects.count == lines.count)
        #expect(objects.allSatisfy { $0["ts"] is String && $0["level"] is String && $0["msg"] is String })
        let aboutRequests = objects.filter { ["request", "webhook refused"].contains($0["msg"] as? String) }
        #expect(aboutRequests.count >= 2)
        #expect(aboutRequests.allSatisfy { ($0["request_id"] as? String)?.hasPrefix("req-") == true })
        // The access line says how long the request took, in milliseconds with one decimal: under `atOnce`, as long
        // as a busy pool can make a request take in a full run.
        let durations = objects.filter { $0["msg"] as? String == "request" }.map { $0["duration_ms"] as? String }
        #expect(!durations.isEmpty)
        let longest = atOnce / .milliseconds(1)
        #expect(durations.allSatisfy { $0.flatMap(Double.init).map { $0 >= 0 && $0 < longest } == true })
        #expect(
            objects.contains {
                $0["msg"] as? String == "NLPearl rejected the API token; deliveries are held until it is fixed"
            })
        for secret in ["acct:secret", BridgeHarness.apiToken, "intercom-signing-secret"] {
            #expect(!lines.joined().contains(secret))
        }
    }
}

extension LoggingTests {
    /// A request without `X-Request-Id` gets one of its own, different from every other request's.
    @Test func requestsWithoutAnIdGetDistinctOnes() async throws {
        let bridge = try await BridgeHarness()
        var ids: Set<String> = []
        for _ in 0..<200 {
            let response = try await bridge.request("GET", "/healthz")
            let id = try #require(response.header("X-Request-Id"))
            #expect(id.hasPrefix("req_") && id.count > 4 && id.count <= 17)
            #expect(id.dropFirst(4).allSatisfy { $0.isNumber || ("a"..."z").contains($0) })
            ids.insert(id)
        }
        await bridge.stop()
        #expect(ids.count == 200)
    }
}

@Suite struct JSONLogLineTests {
    /// The logger's metadata and the event's share one line, sorted by key; on the same key the event's wins.
    @Test func eventMetadataJoinsTheLoggersSortedAndWins() throws {
        let output = LogOutput.capturing()
        var logger = Logger(label: "test") { JSONLogHandler(label: $0, level: .info, output: output) }
        logger[metadataKey: "request_id"] = "req-1"
        logger[metadataKey: "status"] = "from the logger"
        logger.info("request", metadata: ["status": "200", "method": "POST"])
        logger.info("plain")

        let lines = output.captured
        try #require(lines.count == 2)
        #expect(
            lines[0].hasSuffix(#""msg":"request","method":"POST","request_id":"req-1","status":"200"}"# + "\n"))
        #expect(lines[1].hasSuffix(#""msg":"plain","request_id":"req-1","status":"from the logger"}"# + "\n"))
    }

    /// Whatever a message or a metadata value holds, the line is one JSON object that reads back as it was logged.
    @Test func escapedTextReadsBackUnchanged() throws {
        let output = LogOutput.capturing()
        var logger = Logger(label: "test") { JSONLogHandler(label: $0, level: .info, output: output) }
        let awkward = "quote \" backslash \\ newline \n tab \t bell \u{7} delete \u{7F} é 🙂"
        logger[metadataKey: "nested"] = .dictionary(["list": .array(["a", .string(awkward)]), "n": "1"])
        logger.warning(Logger.Message(stringLiteral: awkward), metadata: ["value": .string(awkward)])

        let lines = output.captured
        try #require(lines.count == 1)
        #expect(lines[0].hasSuffix("}\n"))
        #expect(!lines[0].dropLast().contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        #expect(object["msg"] as? String == awkward)
        #expect(object["value"] as? String == awkward)
        #expect(object["level"] as? String == "warning")
        let timestamp = try #require(object["ts"] as? String)
        #expect(Timestamp.parseISO8601(timestamp).map { abs($0.timeIntervalSinceNow) < 60 } == true)
        let nested = try #require(object["nested"] as? [String: Any])
        #expect(nested["list"] as? [String] == ["a", awkward])
        #expect(nested["n"] as? String == "1")
    }
}
