import Bridge
import Config
import FakeNLPearl
import Foundation
import Logging
import TestSupport
import Testing

let examplePearl = "6720c0f8e4b0a1b2c3d4e5f6"

/// The mapping used by the end-to-end tests: Jane has one lead, John two in two campaigns.
let defaultMapping = """
    {
      "version": 1,
      "contacts": [
        { "keys": ["email:Jane.Doe@example.com", "phone:+1 (555) 123-4567", "hubspot:1246965"],
          "leads": [ { "pearlId": "6720c0f8e4b0a1b2c3d4e5f6", "leadId": "lead-jane" } ] },
        { "keys": ["email:john@example.com"],
          "leads": [ { "pearlId": "6720c0f8e4b0a1b2c3d4e5f6", "leadId": "lead-john-1" },
                     { "pearlId": "6720c0f8e4b0a1b2c3d4e5f7", "leadId": "lead-john-2" } ] },
        { "keys": ["email:bad@example.com"],
          "leads": [ { "pearlId": "6720c0f8e4b0a1b2c3d4e5f6", "leadId": "lead-bad" } ] }
      ]
    }
    """

/// A bridge service in this process, on an ephemeral port, with a fake NLPearl, a real journal file and a mapping
/// file in a temporary folder; configured through a real configuration file.
final class BridgeHarness: Sendable {
    static let apiToken = "test-api-token"

    let directory: URL
    let fake: FakeNLPearl
    let service: BridgeService
    let port: Int

    /// - Parameter overrides: merged into the configuration (objects merge key by key).
    init(
        overrides: [String: Any] = [:], mapping: String? = defaultMapping,
        behaviour: FakeNLPearl.Behaviour = .succeed, environment: [String: String] = [:], logs: LogOutput? = nil
    ) async throws {
        directory = try makeTemporaryDirectory("bridge")
        fake = FakeNLPearl(token: "acct:secret")
        try fake.start()
        fake.behaviour = behaviour
        try mapping?.write(to: directory.appendingPathComponent("mapping.json"), atomically: true, encoding: .utf8)
        let configurationFile = try writeConfiguration(
            in: directory, nlpearlURL: fake.baseURL, overrides: overrides)
        var env = ["NLPEARL_API_TOKEN": "acct:secret"]
        env.merge(environment) { _, new in new }
        let (configuration, _) = try BridgeConfiguration.load(file: configurationFile.path, environment: env)
        let logger = Logger(label: "test") { label in
            guard let logs else { return SwiftLogNoOpLogHandler() }
            return JSONLogHandler(label: label, level: .debug, output: logs)
        }
        service = try BridgeService(configuration: configuration, logger: logger)
        try await service.start()
        port = service.port
    }

    func stop() async {
        await service.shutdown(gracePeriod: .seconds(2))
        await fake.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `POST /v1/opt-outs` with the API token.
    func optOut(_ json: String, headers: [(String, String)] = []) async throws -> RawHTTPConnection.Response {
        try await request(
            "POST", "/v1/opt-outs", headers: [("Authorization", "Bearer \(Self.apiToken)")] + headers,
            body: Array(json.utf8))
    }

    func get(_ path: String, authorized: Bool = true) async throws -> RawHTTPConnection.Response {
        try await request("GET", path, headers: authorized ? [("Authorization", "Bearer \(Self.apiToken)")] : [])
    }

    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8] = [])
        async throws -> RawHTTPConnection.Response
    {
        let port = self.port
        return try await blocking {
            try RawHTTPConnection(port: port).request(
                method, target, headers: [("Content-Type", "application/json")] + headers, body: body)
        }
    }

    /// Polls the journal's record until its status is `status`.
    func waitForStatus(_ id: String, _ status: String, timeout: Duration = atOnce) async throws {
        try await waitUntil(timeout: timeout) {
            let record = try await self.get("/v1/opt-outs/\(id)").json as? [String: Any]
            return record?["status"] as? String == status
        }
    }
}

func makeTemporaryDirectory(_ prefix: String) throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
}

/// Writes `optout-bridge.json` for tests: port 0, the fake NLPearl, the API token, fast retries.
///
/// Answers wait up to 15 s for delivery and calls up to 30 s, though they take milliseconds: at the start of a full
/// run, hundreds of tests share the two threads of Swift's cooperative pool, and blocking setup elsewhere can hold
/// them for seconds (see `waitUntil`). Tests of a timed-out wait set a short one themselves.
@discardableResult
func writeConfiguration(in directory: URL, nlpearlURL: String, overrides: [String: Any] = [:]) throws -> URL {
    var configuration: [String: Any] = [
        "listen": ["host": "127.0.0.1", "port": 0, "threads": 2],
        "nlpearl": ["baseURL": nlpearlURL, "token": "env:NLPEARL_API_TOKEN", "timeoutSeconds": 30],
        "mapping": ["file": "mapping.json", "reloadIntervalSeconds": 1, "defaultCountryCode": "+1"],
        "journal": ["file": "journal.sqlite"],
        "delivery": [
            "ackMode": "durable", "syncWaitMilliseconds": 15000,
            "retry": ["initialSeconds": 1, "maxSeconds": 2, "giveUpAfterHours": 72],
        ],
        "api": ["tokens": [BridgeHarness.apiToken]],
    ]
    configuration = merge(configuration, overrides)
    let url = directory.appendingPathComponent("optout-bridge.json")
    let data = try JSONSerialization.data(withJSONObject: configuration, options: [.prettyPrinted, .sortedKeys])
    try data.write(to: url)
    return url
}

private func merge(_ base: [String: Any], _ overrides: [String: Any]) -> [String: Any] {
    var result = base
    for (key, value) in overrides {
        if let nested = value as? [String: Any], let existing = result[key] as? [String: Any] {
            result[key] = merge(existing, nested)
        } else {
            result[key] = value
        }
    }
    return result
}
