import Foundation
import MicroHTTP
import Synchronization
import TestSupport
import Testing

/// Shutdown in two phases, and refusals shaped by the application: a request that arrives while the server drains
/// is still handled, and one that is refused is refused in the client's own dialect.
@Suite struct HTTPServerRefusalTests {
    /// A refusal that says why, for whom, in a status no default would use.
    private static let dialect: HTTPServer.RefusalResponder = { refusal in
        var response = HTTPResponse.text(429, "refused \(refusal.reason) \(refusal.method) \(refusal.path)")
        response.headers[.retryAfter] = "7"
        return response
    }

    @Test func aRequestThatArrivesWhileDrainingIsHandledAndAnsweredWithConnectionClose() async throws {
        let started = Atomic<Int>(0)
        let server = HTTPServer(configuration: .init()) { request in
            started.add(1, ordering: .relaxed)
            // The first handler runs until the second request has reached its own: a fixed 800 ms was too short for
            // a machine busy with the rest of the suite, and the drain then ended before the second one came.
            let deadline = ContinuousClock.now + .seconds(10)
            while request.path == "/first", started.load(ordering: .relaxed) < 2, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(5))
            }
            return .text(200, "handled \(request.path)")
        }
        try server.start()
        let port = server.port
        let first = Task { try await blocking { try RawHTTPConnection(port: port).request("GET", "/first") } }
        while started.load(ordering: .relaxed) == 0 {
            try await Task.sleep(for: .milliseconds(5))
        }
        let shutdown = Task { await server.shutdown(gracePeriod: .seconds(20)) }
        while !server.isDraining {
            try await Task.sleep(for: .milliseconds(5))
        }
        let second = try await blocking { try RawHTTPConnection(port: port).request("POST", "/second", body: [1]) }
        #expect(second.status == 200)
        #expect(second.text == "handled /second")
        #expect(second.header("Connection")?.lowercased() == "close")
        #expect(try await first.value.status == 200)
        await shutdown.value
    }

    @Test func handlersOutlivingTheGracePeriodAreRefusedInTheApplicationsDialect() async throws {
        let server = HTTPServer(configuration: .init(), refusal: Self.dialect) { _ in
            try? await Task.sleep(for: .seconds(30))
            return .text(200, "too late")
        }
        try server.start()
        let port = server.port
        let inFlight = Task { try await blocking { try RawHTTPConnection(port: port).request("POST", "/hooks/x") } }
        while server.activeRequests == 0 {
            try await Task.sleep(for: .milliseconds(5))
        }
        try await Task.sleep(for: .milliseconds(50))
        await server.shutdown(gracePeriod: .milliseconds(100))
        let response = try await inFlight.value
        #expect(response.status == 429)
        #expect(response.text == "refused shuttingDown POST /hooks/x")
        #expect(response.header("Retry-After") == "7")
        #expect(response.header("Connection")?.lowercased() == "close")
    }

    @Test func aHandlerPastItsDeadlineIsRefusedInTheApplicationsDialect() async throws {
        let server = HTTPServer(configuration: .init(requestTimeout: .milliseconds(200)), refusal: Self.dialect) { _ in
            try? await Task.sleep(for: .seconds(30))
            return .text(200, "too late")
        }
        try server.start()
        let port = server.port
        let response = try await blocking { try RawHTTPConnection(port: port).request("GET", "/stuck") }
        #expect(response.status == 429)
        #expect(response.text == "refused timedOut GET /stuck")
        await server.shutdown(gracePeriod: .milliseconds(100))
    }
}
