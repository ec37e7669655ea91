import ArgumentParser
import FakeNLPearl
import Foundation
import JSON
import UnixSignals

/// `fake-nlpearl`: a strict fake of NLPearl's delete-leads and account blacklist endpoints, for trying the
/// bridge by hand and for benchmarks.
@main
struct FakeNLPearlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-nlpearl",
        abstract:
            "Serves a strict fake of NLPearl's DELETE /v2/Outbound/{pearlId}/Leads and POST /v2/Account/Blacklist.",
        discussion: """
            Every request is checked against the OpenAPI contract; each one is printed as a line on \
            standard output. Stop with Ctrl-C (SIGINT) or SIGTERM.
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0 picks a free one, printed at start).")
    var port = 8099

    @Option(help: "The token that requests must carry as 'Authorization: Bearer TOKEN' (AccountId:SecretKey).")
    var token = "acct:secret"

    @Option(name: .customLong("latency-ms"), help: "Milliseconds to wait before each answer.")
    var latencyMilliseconds = 0

    @Option(name: .customLong("fail-rate"), help: "The share of valid calls (0 to 1) answered 503 with Retry-After: 1.")
    var failRate = 0.0

    @Option(help: "Worker threads.")
    var threads = 2

    @Flag(help: "Print nothing per call (for benchmarks).")
    var quiet = false

    @Flag(
        help: """
            Print each call as one JSON object (endpoint, pearlId, leadIds, phoneNumbers, status, answer), \
            with every lead id and number.
            """)
    var json = false

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        guard latencyMilliseconds >= 0 else { throw ValidationError("--latency-ms must not be negative.") }
        guard (0...1).contains(failRate) else { throw ValidationError("--fail-rate must be between 0 and 1.") }
        guard !token.isEmpty else { throw ValidationError("--token must not be empty.") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1.") }
    }

    func run() async throws {
        var printLine: (@Sendable (FakeNLPearl.Call) -> Void)?
        if json {
            printLine = { call in Output.line(Self.jsonLine(call)) }
        } else if !quiet {
            printLine = { call in Output.line(call.logLine) }
        }
        let fake = FakeNLPearl(
            token: token, host: host, port: port, threads: threads, callHistoryLimit: 1000, onCall: printLine
        )
        var answer: FakeNLPearl.Behaviour = .succeed
        if failRate > 0 {
            answer = .sometimes(failRate, .status(503, retryAfter: 1), otherwise: .succeed)
        }
        if latencyMilliseconds > 0 {
            answer = .delay(.milliseconds(latencyMilliseconds), then: answer)
        }
        fake.behaviour = answer
        // Trapped before the port opens: the default action would end the process before the fake stops cleanly.
        let stops = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        do {
            try fake.start()
        } catch {
            Output.error("fake-nlpearl: cannot listen on \(host):\(port): \(error)")
            throw ExitCode(2)
        }
        let endpoints = FakeNLPearl.Endpoint.allCases.map { "\($0.method) \($0.path)" }.joined(separator: ", ")
        Output.line("fake-nlpearl listening on \(fake.baseURL) (\(endpoints))")
        var signals = stops.makeAsyncIterator()
        let signal = await signals.next().map { "\($0)" } ?? "end of signals"
        Output.line(
            "fake-nlpearl: \(signal), stopping after \(fake.callCount) calls, "
                + "\(fake.violations.count) contract violations")
        await fake.stop()
    }

    /// A call as one JSON line, for scripts that count what reached NLPearl; `endpoint` is
    /// an ``FakeNLPearl/Endpoint`` name such as `deleteLeads`, `blacklist` or `searchLeads`, or null (another path).
    static func jsonLine(_ call: FakeNLPearl.Call) -> String {
        // Members in sorted order, as scripts have read them since the first release.
        JSONWriter.text { json in
            json.object { json in
                json.member("answer", call.answer)
                json.member("at", call.receivedAt.timeIntervalSince1970)
                if let endpoint = call.endpoint {
                    json.member("endpoint", endpoint.rawValue)
                } else {
                    json.nullMember("endpoint")
                }
                json.member("leadIds", call.leadIds ?? [])
                if let pearlId = call.pearlId { json.member("pearlId", pearlId) } else { json.nullMember("pearlId") }
                json.member("phoneNumbers", call.phoneNumbers ?? [])
                json.member("status", call.status)
            }
        }
    }
}
