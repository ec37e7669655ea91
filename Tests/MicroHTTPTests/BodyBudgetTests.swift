import Foundation
import TestSupport
import Testing

@testable import MicroHTTP

/// Every connection may send up to `maxBodyBytes`, before anything is authenticated; `maxBufferedBodyBytes` bounds
/// what all of them together make the process hold. Seen before the budget: 300 connections with half-sent 1 MB
/// bodies took the process to 313 MiB resident.
@Suite struct BodyBudgetTests {
    /// The held connections must outlive any wait of the test: at the start of a full run the cooperative pool,
    /// on which the test resumes, was seen busy for more than 10 s on CI, while libmicrohttpd's idle timer runs on
    /// its own threads. With a 10 s timeout it closed the held connections first, which released their bodies.
    private static let budget = HTTPServer.Configuration(
        maxBodyBytes: 100_000, idleTimeoutSeconds: 600, maxBufferedBodyBytes: 250_000)

    /// Opens `count` connections that each declare `declared` bytes and send `sent` of them, and waits until the
    /// server has reserved their bodies: seeing their request lines (``HTTPServer/activeRequests``) is not enough,
    /// as the reservation is made later, once the head is parsed.
    private static func hold(
        _ count: Int, declaring declared: Int, sending sent: Int, on server: HTTPServer
    ) async throws -> [RawHTTPConnection] {
        let port = server.port
        let held = try await blocking {
            try (0..<count).map { _ in
                let connection = try RawHTTPConnection(port: port)
                try connection.send(
                    "POST /held HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(declared)\r\n\r\n"
                        + String(repeating: "a", count: sent))
                return connection
            }
        }
        let deadline = ContinuousClock.now + atOnce
        while server.core.bufferedBytes.load(ordering: .relaxed) < count * declared, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        try #require(server.core.bufferedBytes.load(ordering: .relaxed) == count * declared)
        return held
    }

    @Test func aDeclaredBodyPastTheBudgetIsRefusedBeforeItIsRead() async throws {
        try await withServer(Self.budget, handler: echo) { server in
            let port = server.port
            // Two half-sent bodies of 100 kB hold 200 kB of the 250 kB budget.
            let held = try await Self.hold(2, declaring: 100_000, sending: 50_000, on: server)
            let (statuses, refused, afterRelease) = try await blocking {
                // A third would pass it: refused at once, without sending a byte of its body.
                let third = try RawHTTPConnection(port: port)
                try third.send("POST /third HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n")
                let refused = try third.readResponse()
                // Once the held bodies complete and are answered, the budget is free again.
                for connection in held { try connection.send(String(repeating: "b", count: 50_000)) }
                let statuses = try held.map { try $0.readResponse().status }
                let after = try RawHTTPConnection(port: port).request(
                    "POST", "/after", body: Array(repeating: UInt8(ascii: "c"), count: 100_000))
                return (statuses, refused, after)
            }
            #expect(statuses == [200, 200])
            #expect(refused.status == 503)
            #expect(refused.header("Retry-After") != nil)
            #expect(refused.header("Connection")?.lowercased() == "close")
            #expect(afterRelease.status == 200)
            #expect(afterRelease.body.count == 100_000)
        }
    }

    @Test func aChunkedBodyThatGrowsPastTheBudgetIsRefused() async throws {
        try await withServer(Self.budget, handler: echo) { server in
            let port = server.port
            // 240 kB of the 250 kB held; a chunked body of 40 kB passes the rest as it grows.
            let held = try await Self.hold(3, declaring: 80_000, sending: 1000, on: server)
            let (refused, healthy) = try await blocking {
                let chunked = try RawHTTPConnection(port: port)
                let chunk = String(repeating: "x", count: 20_000)
                try chunked.send(
                    "POST /chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "4e20\r\n\(chunk)\r\n4e20\r\n\(chunk)\r\n0\r\n\r\n")
                return (try chunked.readResponse(), try RawHTTPConnection(port: port).request("GET", "/small"))
            }
            #expect(refused.status == 503)
            #expect(healthy.status == 200)
            withExtendedLifetime(held) {}
        }
    }

    @Test func aRefusalForTheBudgetIsShapedByTheApplication() async throws {
        let server = HTTPServer(
            configuration: .init(maxBodyBytes: 100, idleTimeoutSeconds: 600, maxBufferedBodyBytes: 100),
            refusal: { .text(429, "busy \($0.reason == .busy) \($0.path)") }, handler: echo)
        try server.start()
        let port = server.port
        let held = try await Self.hold(1, declaring: 100, sending: 3, on: server)
        let refused = try await blocking { try RawHTTPConnection(port: port).request("POST", "/hooks/b", body: [1]) }
        #expect(refused.status == 429)
        #expect(refused.text == "busy true /hooks/b")
        withExtendedLifetime(held) {}
        await server.shutdown(gracePeriod: .milliseconds(100))
    }
}
