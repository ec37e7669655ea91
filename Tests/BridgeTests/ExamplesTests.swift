import Bridge
import Config
import FakeNLPearl
import Foundation
import Logging
import Senders
import TestSupport
import Testing

/// `examples/senders/`: its configuration passes `check`, and the script of every sender type, run as a person runs
/// it (bash, `optout-bridge sign --format curl`, curl), is accepted by a bridge configured from that same file.
@Suite struct ExamplesTests {
    /// The repository's root, three folders above this file.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The leads of `examples/mapping.json` that the scripts' payloads resolve to, by pearlId.
    static let expectedDeletions: [String: Set<String>] = [
        "6720c0f8e4b0a1b2c3d4e5f6": [
            "6720c1aa9f1e2d3c4b5a6978", "6720c1aa9f1e2d3c4b5a6979", "6720c1aa9f1e2d3c4b5a6981",
            "6720c1aa9f1e2d3c4b5a6982", "6720c1aa9f1e2d3c4b5a6983", "6720c1aa9f1e2d3c4b5a6984",
        ],
        "6720c0f8e4b0a1b2c3d4e5f7": ["6720c1aa9f1e2d3c4b5a6980"],
    ]

    @Test func everySendersScriptIsAcceptedByABridgeRunningTheExampleConfiguration() async throws {
        let examples = Self.repository.appendingPathComponent("examples")
        let configuration = examples.appendingPathComponent("senders/optout-bridge.senders.json")
        let check = try await BridgeExecutable.run(
            ["check", "--config", configuration.path], environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        #expect(check.stdout.contains("configuration: ok (\(SenderRegistry.types.count) senders"), "\(check.stdout)")

        // The same files in a scratch folder, so that the journal stays out of the tree; only the ports and the wait
        // change.
        let fake = FakeNLPearl(token: "acct:secret")
        try fake.start()
        let directory = try makeTemporaryDirectory("examples")
        let senders = directory.appendingPathComponent("senders")
        try FileManager.default.createDirectory(at: senders, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: examples.appendingPathComponent("mapping.json"), to: directory.appendingPathComponent("mapping.json"))
        try FileManager.default.copyItem(
            at: examples.appendingPathComponent("senders/keys"), to: senders.appendingPathComponent("keys"))
        var settings = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: configuration)) as? [String: Any])
        var listen = try #require(settings["listen"] as? [String: Any])
        listen["port"] = 0
        settings["listen"] = listen
        var nlpearl = try #require(settings["nlpearl"] as? [String: Any])
        nlpearl["baseURL"] = fake.baseURL
        settings["nlpearl"] = nlpearl
        // A long wait, as everywhere a wait is not under test: the example's 2 s answered 202 once while the
        // cooperative pool, on which the fake answers, was busy with other tests.
        var delivery = try #require(settings["delivery"] as? [String: Any])
        delivery["syncWaitMilliseconds"] = 15000
        settings["delivery"] = delivery
        let copy = senders.appendingPathComponent("optout-bridge.senders.json")
        try JSONSerialization.data(withJSONObject: settings).write(to: copy)
        let (loaded, _) = try BridgeConfiguration.load(
            file: copy.path, environment: ["NLPEARL_API_TOKEN": "acct:secret"])
        let service = try BridgeService(
            configuration: loaded, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
        try await service.start()
        // Stopped whatever happens: a server left to its deinit with a request suspended aborts the test process.
        do {
            let bridgeURL = "http://127.0.0.1:\(service.port)"
            for type in SenderRegistry.typeNames {
                let script = examples.appendingPathComponent("senders/\(type).sh")
                let result = try await Self.runScript(script, arguments: [bridgeURL])
                #expect(result.status == 0, "\(type).sh: \(result.stderr)")
                let output = result.stdout.replacingOccurrences(of: "\r\n", with: "\n")
                #expect(output.hasPrefix("HTTP/1.1 200 "), "\(type).sh: \(output)\(result.stderr)")
                switch type {
                case "salesforce": #expect(output.contains("<Ack>true</Ack>"), "\(output)")
                case "twilio": #expect(output.contains("<Response></Response>"), "\(output)")
                default: #expect(output.contains(#""status":"deleted""#), "\(type).sh: \(output)")
                }
            }
            #expect(fake.deletedLeads == Self.expectedDeletions)
            #expect(fake.violations.isEmpty)
        } catch {
            await service.shutdown(gracePeriod: .seconds(2))
            await fake.stop()
            throw error
        }
        await service.shutdown(gracePeriod: .seconds(2))
        await fake.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs a shell script to completion with the built `optout-bridge`.
    private static func runScript(_ script: URL, arguments: [String]) async throws -> BridgeExecutable.Result {
        try await BridgeExecutable.runProgram(
            "/bin/bash", [script.path] + arguments, environment: ["OPTOUT_BRIDGE": BridgeExecutable.url.path],
            removing: ["BRIDGE_URL"])
    }
}
