import FakeNLPearl
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Hostile and broken clients against the whole bridge: each case gets its exact answer, and afterwards the bridge
/// still answers a valid request on a new connection, with nothing journaled or deleted for what it refused.
///
/// The listener-level rules (framing checks, UTF-8 flag, the open-file limit) are tested on their own in
/// `MicroHTTPTests/HostileInputTests.swift`; `Benchmarks/hostile-input.sh` runs schemathesis against the document.
@Suite struct HostileInputTests {
    static let validBody = #"{"keys": ["email:jane.doe@example.com"]}"#
    static let authorization = "Authorization: Bearer \(BridgeHarness.apiToken)\r\n"

    // MARK: Slow and idle clients

    /// Slowloris: a thousand connections that sent part of a request line, or nothing, hold no slot a working client
    /// needs (the connection limit is 4096 by default).
    @Test func aThousandIdleConnectionsDoNotLockOutAValidRequest() async throws {
        try raiseOwnOpenFileLimit(to: 2_400)
        // The bridge runs in this process, so the bound is ``atOnce``: the idle connections must outlast it.
        let bridge = try await BridgeHarness(overrides: ["listen": ["idleTimeoutSeconds": 600]])
        let port = bridge.port
        let idle = try await blocking {
            try (0..<1000).map { index in
                let connection = try RawHTTPConnection(port: port)
                if index.isMultiple(of: 2) { try connection.send("POST /v1/opt-outs HTTP/1.1\r\nHost: a\r\n") }
                return connection
            }
        }
        let clock = ContinuousClock()
        let start = clock.now
        let response = try await bridge.optOut(Self.validBody)
        let optOutTime = clock.now - start
        let healthStart = clock.now
        let health = try await bridge.request("GET", "/healthz")
        let healthTime = clock.now - healthStart

        #expect(response.status == 200)
        #expect(optOutTime < atOnce, "POST /v1/opt-outs took \(optOutTime) behind 1000 idle connections")
        #expect(health.status == 200)
        #expect(healthTime < atOnce, "GET /healthz took \(healthTime) behind 1000 idle connections")
        #expect(try journaledCount(bridge) == 1)
        #expect(idle.count == 1000)
        await bridge.stop()
    }

    /// An operator's soft limit of 256 open files would cap the listener far below its connection limit; `serve`
    /// raises it towards the hard limit, and a thousand idle connections then still leave room for real work.
    @Test func serveRaisesALowOpenFileLimitAndServesBehindAThousandIdleConnections() async throws {
        let hard = try raiseOwnOpenFileLimit(to: 2_400)
        let fake = FakeNLPearl(token: "acct:secret")
        try fake.start()
        let directory = try makeTemporaryDirectory("hostile")
        try defaultMapping.write(
            to: directory.appendingPathComponent("mapping.json"), atomically: true, encoding: .utf8)
        let configuration = try writeConfiguration(in: directory, nlpearlURL: fake.baseURL)
        let serve = try ServeProcess(
            configuration: configuration, environment: ["NLPEARL_API_TOKEN": "acct:secret"], softOpenFileLimit: 256)
        try await serve.waitUntilListening()
        let port = serve.port
        #expect(port > 0, "serve did not start: \(serve.log.joined(separator: "\n"))")

        let softLimit = try #require(serve.openFileSoftLimit())
        #expect(softLimit >= min(hard, 4096 + 256), "serve kept a soft limit of \(softLimit) open files")
        let (idle, response) = try await blocking {
            let idle = try (0..<1000).map { _ in try RawHTTPConnection(port: port) }
            let start = ContinuousClock.now
            let response = try RawHTTPConnection(port: port).request(
                "POST", "/v1/opt-outs",
                headers: [("Authorization", "Bearer \(BridgeHarness.apiToken)"), ("Content-Type", "application/json")],
                body: Array(Self.validBody.utf8))
            return (idle, (response.status, ContinuousClock.now - start))
        }
        #expect(response.0 == 200)
        #expect(response.1 < .seconds(5), "POST /v1/opt-outs took \(response.1) behind 1000 idle connections")
        #expect(idle.count == 1000)

        serve.signal(SIGTERM)
        #expect(try await serve.waitForExit(timeout: .seconds(10)) == 0)
        serve.killHard()
        await fake.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Oversized heads

    /// libmicrohttpd refuses heads that do not fit its 64 KiB per-connection buffer on its own (HTML body) and closes.
    @Test(arguments: [
        ("a 100 KiB header", head("GET", "/healthz", ["X-Big: " + String(repeating: "a", count: 100 * 1024)]), 431),
        ("10,000 headers", head("GET", "/healthz", (0..<10_000).map { "X-H\($0): v" }), 431),
        ("a 100 KiB request target", head("GET", "/healthz?" + String(repeating: "a", count: 100 * 1024), []), 414),
    ])
    func oversizedHeadsAreRefusedAndTheConnectionClosed(_ name: String, wire: [UInt8], status: Int) async throws {
        let bridge = try await BridgeHarness()
        let port = bridge.port
        let (response, closed) = try await blocking {
            let connection = try RawHTTPConnection(port: port)
            try connection.send(wire)
            return (try connection.readResponse(), connection.isClosedByPeer())
        }
        #expect(response.status == status, "\(name)")
        #expect(closed, "\(name): the connection stayed open")
        try await expectStillServing(bridge, journaled: 0)
        await bridge.stop()
    }

    // MARK: Invalid UTF-8, NUL bytes

    /// Text that is not UTF-8 would reach keys, ids and idempotency keys as U+FFFD, where two different byte strings
    /// read the same: refused with a problem, never journaled.
    static let notUTF8: [(String, [UInt8])] = {
        let body: [UInt8] = Array(#"{"keys": ["email:"#.utf8) + [0xFF] + Array(#"@example.com"]}"#.utf8)
        let key: [UInt8] = Array("Idempotency-Key: key-".utf8) + [0xC3, 0x28] + crlf
        var rawPath: [UInt8] = Array("GET /v1/opt-outs/op_".utf8) + [0xFF] + Array(" HTTP/1.1\r\nHost: a\r\n".utf8)
        rawPath += Array(authorization.utf8) + crlf
        return [
            ("in the JSON body", post(body: body)),
            ("in the Idempotency-Key", post(extraHead: key)),
            ("in the path, raw", rawPath),
            ("in the path, percent-encoded", head("POST", "/hooks/%FF%FE", ["Content-Length: 0"])),
        ]
    }()

    @Test(arguments: notUTF8)
    func invalidUTF8IsA400Problem(_ name: String, wire: [UInt8]) async throws {
        let bridge = try await BridgeHarness()
        let response = try await exchange(bridge.port, wire)
        #expect(response.status == 400, "\(name)")
        #expect(response.header("Content-Type") == "application/problem+json", "\(name)")
        let problem = try #require(response.json as? [String: Any], "\(name): \(response.text)")
        #expect(problem["status"] as? Int == 400)
        #expect((problem["detail"] as? String)?.contains("UTF-8") == true, "\(name): \(response.text)")
        try await expectStillServing(bridge, journaled: 0)
        await bridge.stop()
    }

    /// libmicrohttpd 0.9.75 ends a header value at a NUL byte (no option changes that; later versions refuse the
    /// request): what follows the NUL never reaches the bridge, and nothing else is disturbed. The caller's
    /// `X-Request-Id` comes back cut at the NUL, the opt-out is handled once, and the connection stays usable.
    @Test func aNulByteInAHeaderCutsItsValueAndNothingElse() async throws {
        let bridge = try await BridgeHarness()
        let port = bridge.port
        let body = Array(Self.validBody.utf8)
        let wire =
            Array("POST /v1/opt-outs HTTP/1.1\r\nHost: a\r\n\(Self.authorization)X-Request-Id: abc".utf8)
            + [0] + Array("def\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
        let (first, second) = try await blocking {
            let connection = try RawHTTPConnection(port: port)
            try connection.send(wire)
            return (try connection.readResponse(), try connection.request("GET", "/healthz"))
        }
        #expect(first.status == 200)
        #expect(first.header("X-Request-Id") == "abc")
        #expect(second.status == 200)
        #expect(try journaledCount(bridge) == 1)
        await bridge.stop()
    }

    // MARK: Deep JSON

    /// Nesting is limited to 32 levels before any tree is built: 100,000 levels are refused at once.
    @Test(arguments: [
        ("arrays", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)),
        ("objects", String(repeating: #"{"a":"#, count: 100_000) + "1" + String(repeating: "}", count: 100_000)),
    ])
    func deeplyNestedJSONIsA400Quickly(_ name: String, json: String) async throws {
        let bridge = try await BridgeHarness()
        let clock = ContinuousClock()
        let start = clock.now
        let response = try await bridge.optOut(json)
        let elapsed = clock.now - start
        #expect(response.status == 400)
        #expect(response.header("Content-Type") == "application/problem+json")
        #expect(response.text.contains("nested deeper than 32 levels"), "\(response.text)")
        #expect(elapsed < atOnce, "100,000 nested \(name) took \(elapsed)")
        try await expectStillServing(bridge, journaled: 0)
        await bridge.stop()
    }

    // MARK: Lying Content-Length

    /// A body shorter than announced is never handed over: the idle timeout closes the connection without an answer.
    @Test func aContentLengthLargerThanTheBodyEndsAtTheIdleTimeoutUnhandled() async throws {
        let bridge = try await BridgeHarness(overrides: ["listen": ["idleTimeoutSeconds": 1]])
        let port = bridge.port
        let body = Array(Self.validBody.utf8)
        let wire = post(body: body, contentLength: body.count + 100)
        // Timed on the thread that waits, against libmicrohttpd's own timer: the cooperative pool is not in between.
        let (closed, elapsed) = try await blocking {
            let start = ContinuousClock.now
            let connection = try RawHTTPConnection(port: port)
            try connection.send(wire)
            return (connection.isClosedByPeer(), ContinuousClock.now - start)
        }
        #expect(closed, "the connection was answered or stayed open")
        #expect(elapsed < .seconds(5))
        try await expectStillServing(bridge, journaled: 0)
        await bridge.stop()
    }

    /// Bytes past the announced length are the next request: the first is answered on its own bytes (here a cut JSON
    /// body, 400), the rest is refused as a malformed request line, and the connection closes; nothing desyncs.
    @Test(arguments: [
        ("a cut body", HostileInputTests.validBody.utf8.count - 20, 400, 0),
        ("a whole body and trailing bytes", HostileInputTests.validBody.utf8.count, 200, 1),
    ])
    func aContentLengthSmallerThanTheBodyLeavesTheRestAsTheNextRequest(
        _ name: String, length: Int, firstStatus: Int, journaled: Int
    ) async throws {
        let bridge = try await BridgeHarness()
        let port = bridge.port
        let wire = post(body: Array(Self.validBody.utf8) + Array("then garbage\r\n\r\n".utf8), contentLength: length)
        let (first, second, closed) = try await blocking {
            let connection = try RawHTTPConnection(port: port)
            try connection.send(wire)
            return (try connection.readResponse(), try connection.readResponse(), connection.isClosedByPeer())
        }
        #expect(first.status == firstStatus, "\(name): \(first.text)")
        #expect(second.status == 400, "\(name)")
        #expect(closed, "\(name)")
        try await expectStillServing(bridge, journaled: journaled)
        await bridge.stop()
    }

    // MARK: Chunked bodies

    /// A chunked body has no length to refuse up front: 413 as soon as it passes `maxBodyBytes`, nothing journaled.
    @Test func aChunkedBodyOverTheLimitIs413AndNothingIsJournaled() async throws {
        let bridge = try await BridgeHarness(overrides: ["listen": ["maxBodyBytes": 1024]])
        let padding = String(repeating: "x", count: 2000)
        let json = Array(#"{"keys": ["email:jane.doe@example.com"], "idempotencyKey": "\#(padding)"}"#.utf8)
        var chunked = Array("POST /v1/opt-outs HTTP/1.1\r\nHost: a\r\n\(Self.authorization)".utf8)
        chunked += Array("Transfer-Encoding: chunked\r\n\r\n".utf8)
        for chunk in stride(from: 0, to: json.count, by: 500) {
            let piece = json[chunk..<min(chunk + 500, json.count)]
            chunked += Array("\(String(piece.count, radix: 16))\r\n".utf8) + piece + crlf
        }
        let wire = chunked + Array("0\r\n\r\n".utf8)
        let port = bridge.port
        let (response, closed) = try await blocking {
            let connection = try RawHTTPConnection(port: port)
            try connection.send(wire)
            return (try connection.readResponse(), connection.isClosedByPeer())
        }
        #expect(response.status == 413)
        #expect(response.header("Content-Type") == "application/problem+json")
        let detail = (response.json as? [String: Any])?["detail"] as? String
        #expect(detail == "The request body is larger than 1024 bytes.")
        #expect(closed)
        try await expectStillServing(bridge, journaled: 0)
        await bridge.stop()
    }

    /// A chunked body that never ends is never handled, whether the client then waits or hangs up.
    @Test(arguments: [true, false])
    func aTruncatedChunkedBodyIsNeverHandled(clientHangsUp: Bool) async throws {
        let bridge = try await BridgeHarness(overrides: ["listen": ["idleTimeoutSeconds": 1]])
        let port = bridge.port
        let wire =
            Array(
                "POST /v1/opt-outs HTTP/1.1\r\nHost: a\r\n\(Self.authorization)Transfer-Encoding: chunked\r\n\r\n".utf8)
            + Array("28\r\n{\"keys\": [\"email:jane".utf8)
        let closedByServer = try await blocking {
            let connection = try RawHTTPConnection(port: port)
            try connection.send(wire)
            return clientHangsUp ? true : connection.isClosedByPeer()
        }
        #expect(closedByServer, "the server answered or kept the connection")
        try await expectStillServing(bridge, journaled: 0)
        await bridge.stop()
    }

    // MARK: Ambiguous framing, idempotency keys

    /// Request smuggling through a proxy that reads the other framing field: refused before the bridge reads a body.
    @Test(arguments: [
        ("Content-Length and Transfer-Encoding", ["Content-Length: 4", "Transfer-Encoding: chunked"], 400),
        ("two Content-Lengths", ["Content-Length: \(validLength)", "Content-Length: 4"], 400),
        ("a blank before the colon", ["Content-Length : \(validLength)"], 400),
        ("an unknown transfer coding", ["Transfer-Encoding: gzip"], 501),
    ])
    func ambiguousFramingIsRefusedAndNothingIsJournaled(_ name: String, fields: [String], status: Int) async throws {
        let bridge = try await BridgeHarness()
        let port = bridge.port
        let body = Array(Self.validBody.utf8)
        let chunked = Array("\(String(body.count, radix: 16))\r\n".utf8) + body + Array("\r\n0\r\n\r\n".utf8)
        let wire =
            head(
                "POST", "/v1/opt-outs", ["Authorization: Bearer \(BridgeHarness.apiToken)"] + fields)
            + (fields.contains { $0.hasPrefix("Transfer-Encoding: chunked") } ? chunked : body)
        let (response, closed) = try await blocking {
            let connection = try RawHTTPConnection(port: port)
            try connection.send(wire)
            return (try connection.readResponse(), connection.isClosedByPeer())
        }
        #expect(response.status == status, "\(name)")
        #expect(response.header("Content-Type") == "application/problem+json", "\(name)")
        #expect(closed, "\(name)")
        try await expectStillServing(bridge, journaled: 0)
        await bridge.stop()
    }

    /// An empty `Idempotency-Key` made every later request with an empty key a "duplicate" of the first, so a second
    /// contact's opt-out was answered with the first one's record and never deleted. Now 400, like an oversized key
    /// and one that a proxy could change on the way (a trailing blank, which libmicrohttpd keeps; non-ASCII).
    @Test(arguments: ["", String(repeating: "k", count: 201), "ticket-4711 ", "ключ"])
    func anEmptyOrOversizedIdempotencyKeyHeaderIsA400(key: String) async throws {
        let bridge = try await BridgeHarness()
        let response = try await bridge.optOut(Self.validBody, headers: [("Idempotency-Key", key)])
        #expect(response.status == 400)
        #expect(response.text.contains("Idempotency-Key"))
        let other = try await bridge.optOut(
            #"{"keys": ["email:john@example.com"]}"#, headers: [("Idempotency-Key", key)])
        #expect(other.status == 400)
        try await expectStillServing(bridge, journaled: 0)
        await bridge.stop()
    }

    // MARK: Helpers

    /// A valid opt-out on a new connection is answered 200, and the journal holds `journaled` earlier records plus it.
    private func expectStillServing(
        _ bridge: BridgeHarness, journaled: Int, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        #expect(try journaledCount(bridge) == journaled, "records before the check", sourceLocation: sourceLocation)
        let calls = bridge.fake.callCount
        // A lead no request named before, so that it takes a call: one the journal knows deleted is not sent again.
        let response = try await bridge.optOut(
            #"{"leads": [{"pearlId": "p-check", "leadId": "\#(UUID().uuidString)"}]}"#)
        #expect(response.status == 200, "\(response.text)", sourceLocation: sourceLocation)
        #expect(try journaledCount(bridge) == journaled + 1, sourceLocation: sourceLocation)
        #expect(bridge.fake.callCount == calls + 1, sourceLocation: sourceLocation)
    }

    /// Sends `wire` on a new connection and reads one response.
    private func exchange(_ port: Int, _ wire: [UInt8]) async throws -> RawHTTPConnection.Response {
        try await blocking {
            let connection = try RawHTTPConnection(port: port)
            try connection.send(wire)
            return try connection.readResponse()
        }
    }
}

private let crlf: [UInt8] = [0x0D, 0x0A]
private let validLength = HostileInputTests.validBody.utf8.count

/// A request head with `Connection: close`, ending in the blank line.
private func head(_ method: String, _ target: String, _ fields: [String]) -> [UInt8] {
    var text = "\(method) \(target) HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
    for field in fields {
        text += field + "\r\n"
    }
    return Array((text + "\r\n").utf8)
}

/// `POST /v1/opt-outs` with the API token: `extraHead` bytes before `Content-Length` (default: the body's length).
private func post(
    body: [UInt8] = Array(HostileInputTests.validBody.utf8), extraHead: [UInt8] = [], contentLength: Int? = nil
) -> [UInt8] {
    Array("POST /v1/opt-outs HTTP/1.1\r\nHost: a\r\n\(HostileInputTests.authorization)".utf8) + extraHead
        + Array("Content-Length: \(contentLength ?? body.count)\r\n\r\n".utf8) + body
}

/// The number of opt-outs in the journal. Synchronous, so that the synchronous query is the one called.
private func journaledCount(_ bridge: BridgeHarness) throws -> Int {
    try bridge.service.journal.list(limit: 10_000).count
}

/// Raises this test process's soft limit on open files to its hard limit and requires at least `needed`.
///
/// - Returns: the hard limit.
@discardableResult
private func raiseOwnOpenFileLimit(to needed: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    var limit = rlimit()
    try #require(getrlimit(resource, &limit) == 0, sourceLocation: sourceLocation)
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        try #require(setrlimit(resource, &limit) == 0, sourceLocation: sourceLocation)
    }
    let hard = Int(clamping: limit.rlim_max)
    try #require(
        hard >= needed, "the hard limit of \(hard) open files is below the \(needed) this test needs",
        sourceLocation: sourceLocation)
    return hard
}
