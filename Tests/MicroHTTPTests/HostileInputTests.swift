import Foundation
import Synchronization
import TestSupport
import Testing

@testable import MicroHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// What the listener itself does with hostile heads, before and around the handler. The whole bridge's answers to
/// the same and other hostile input are in `BridgeTests/HostileInputTests.swift`.
@Suite struct ListenerHostileInputTests {
    /// Heads whose body framing a proxy in front could read differently from the server (request smuggling), which
    /// libmicrohttpd 0.9.75 accepts: refused on the first call, before any body byte is read; the connection closes.
    @Test(arguments: [
        ("a blank before the colon", "Content-Length : 5\r\n", 400),
        ("a non-token byte in a name", "X-\u{7F}: a\r\nContent-Length: 5\r\n", 400),
        ("Content-Lengths that disagree", "Content-Length: 5\r\nContent-Length: 6\r\n", 400),
        ("Content-Length and Transfer-Encoding", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", 400),
        ("an unknown transfer coding", "Transfer-Encoding: gzip\r\n", 501),
        ("a coding list", "Transfer-Encoding: gzip, chunked\r\n", 501),
    ])
    func ambiguousFramingIsRefusedBeforeTheHandler(_ name: String, fields: String, status: Int) async throws {
        let handled = Atomic<Int>(0)
        try await withServer { _ in
            handled.add(1, ordering: .relaxed)
            return .text(200, "handled")
        } _: { server in
            let port = server.port
            let wire = "POST /x HTTP/1.1\r\nHost: a\r\n\(fields)\r\nhello"
            let (response, closed) = try await blocking {
                let connection = try RawHTTPConnection(port: port)
                try connection.send(wire)
                return (try connection.readResponse(), connection.isClosedByPeer())
            }
            #expect(response.status == status, "\(name)")
            #expect(response.header("Content-Type") == "application/problem+json", "\(name)")
            #expect((response.json as? [String: Any])?["status"] as? Int == status, "\(name): \(response.text)")
            #expect(response.header("Connection")?.lowercased() == "close", "\(name)")
            #expect(closed, "\(name)")
        }
        #expect(handled.load(ordering: .relaxed) == 0)
    }

    /// RFC 9110 allows a repeated `Content-Length` with the same value; it is one length, not a conflict.
    @Test func repeatedEqualContentLengthsAreOneLength() async throws {
        try await withServer(handler: echo) { server in
            let port = server.port
            let response = try await blocking {
                let connection = try RawHTTPConnection(port: port)
                try connection.send(
                    "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello")
                return try connection.readResponse()
            }
            #expect(response.status == 200)
            #expect(response.text == "hello")
        }
    }

    /// Text that is not UTF-8 reaches the handler as U+FFFD, flagged, so that it can refuse what it would compare.
    static let heads: [(String, [UInt8], Bool)] = {
        let valid: [UInt8] = Array("GET /caf%C3%A9 HTTP/1.1\r\nHost: a\r\nX-Name: Zo\u{EB}\r\n\r\n".utf8)
        let value: [UInt8] = Array("GET / HTTP/1.1\r\nHost: a\r\nX-Name: Zo".utf8) + [0xEB] + endOfHead
        let percent: [UInt8] = Array("GET /caf%E9 HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        let raw: [UInt8] = Array("GET /caf".utf8) + [0xE9] + Array(" HTTP/1.1\r\nHost: a".utf8) + endOfHead
        let query: [UInt8] = Array("GET /x?a=".utf8) + [0xF0, 0x90] + Array(" HTTP/1.1\r\nHost: a".utf8) + endOfHead
        return [
            ("a valid request", valid, true), ("a header value", value, false),
            ("a percent-encoded path", percent, false), ("a raw byte in the target", raw, false),
            ("a cut sequence in the query", query, false),
        ]
    }()

    @Test(arguments: heads)
    func textThatIsNotUTF8IsFlagged(_ name: String, wire: [UInt8], valid: Bool) async throws {
        try await withServer { request in
            .text(200, "\(request.isValidUTF8) \(request.path) \(request.headers["X-Name"] ?? "-")")
        } _: { server in
            let port = server.port
            let response = try await blocking {
                let connection = try RawHTTPConnection(port: port)
                try connection.send(wire)
                return try connection.readResponse()
            }
            #expect(response.status == 200, "\(name)")
            #expect(response.text.hasPrefix("\(valid) "), "\(name): \(response.text)")
            if valid {
                #expect(response.text == "true /café Zoë")
            }
        }
    }

    /// libmicrohttpd 0.9.75 ends a header value at a NUL byte (its strict mode does not change that): the rest never
    /// reaches the handler, and the connection goes on with the next request undisturbed.
    @Test func aNulByteEndsAHeaderValueWithoutDesync() async throws {
        try await withServer(handler: echo) { server in
            let port = server.port
            let wire = Array("GET /first HTTP/1.1\r\nHost: a\r\nX-Test: ab".utf8) + [0] + Array("cd\r\n\r\n".utf8)
            let (first, second) = try await blocking {
                let connection = try RawHTTPConnection(port: port)
                try connection.send(wire)
                return (try connection.readResponse(), try connection.request("GET", "/second"))
            }
            #expect(first.status == 200)
            #expect(first.header("X-Test-Header") == "ab")
            #expect(second.header("X-Path") == "/second")
        }
    }

    /// Each connection gets 32 KiB of libmicrohttpd memory (its default), which bounds the memory of idle
    /// connections: heads of 16 KiB, ten times what a signed webhook sends, are served; 40 KiB is 431 and closed.
    @Test func headsUpToSixteenKiBAreServedAndLargerOnesAre431() async throws {
        let length: @Sendable (HTTPRequest) async -> HTTPResponse = { request in
            .text(200, "\(request.headers["X-Signature"]?.count ?? 0)")
        }
        try await withServer(handler: length) { server in
            let port = server.port
            let (served, refused) = try await blocking {
                let big = String(repeating: "a", count: 16 * 1024)
                let served = try RawHTTPConnection(port: port).request("GET", "/", headers: [("X-Signature", big)])
                let tooBig = String(repeating: "a", count: 40 * 1024)
                let refused = try RawHTTPConnection(port: port).request(
                    "GET", "/", headers: [("X-Signature", tooBig)])
                return (served, refused)
            }
            #expect(served.status == 200)
            #expect(String(decoding: served.body, as: UTF8.self) == "\(16 * 1024)")
            #expect(refused.status == 431)
        }
    }

    /// The soft limit on open files only ever goes up, and never past the hard limit.
    @Test func theOpenFileSoftLimitIsRaisedUpToTheHardLimitOnly() throws {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var before = rlimit()
        try #require(getrlimit(resource, &before) == 0)
        let hard = Int(clamping: before.rlim_max)

        #expect(HTTPServer.raiseOpenFileLimit(toAtLeast: 16) == Int(clamping: before.rlim_cur))
        #expect(HTTPServer.raiseOpenFileLimit(toAtLeast: hard + 1000) == hard)
        var after = rlimit()
        try #require(getrlimit(resource, &after) == 0)
        #expect(Int(clamping: after.rlim_cur) == hard)
        #expect(after.rlim_max == before.rlim_max)
    }

    /// Starting a server makes room for its connection limit: the soft limit ends at least at the limit plus headroom
    /// (or at the hard limit, when that is lower).
    @Test func startingAServerRaisesTheSoftLimitForItsConnections() async throws {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        try #require(getrlimit(resource, &limit) == 0)
        let hard = Int(clamping: limit.rlim_max)
        let wanted = 5000
        try await withServer(.init(connectionLimit: wanted), handler: echo) { _ in
            var now = rlimit()
            try #require(getrlimit(resource, &now) == 0)
            #expect(Int(clamping: now.rlim_cur) >= min(hard, wanted + HTTPServer.descriptorHeadroom))
        }
    }

    @Test func theDefaultConnectionLimitLeavesRoomForAThousandIdleClients() {
        #expect(HTTPServer.Configuration().connectionLimit == 4096)
    }
}

private let endOfHead = Array("\r\n\r\n".utf8)
