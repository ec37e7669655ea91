import Foundation
import Synchronization
import TestSupport
import Testing

@testable import MicroHTTP

/// Starts a server for one test and stops it afterwards, whatever the test did.
func withServer<R>(
    _ configuration: HTTPServer.Configuration = .init(),
    handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse,
    _ body: (HTTPServer) async throws -> R
) async throws -> R {
    let server = HTTPServer(configuration: configuration, handler: handler)
    try server.start()
    do {
        let result = try await body(server)
        await server.shutdown(gracePeriod: .seconds(2))
        return result
    } catch {
        await server.shutdown(gracePeriod: .seconds(2))
        throw error
    }
}

/// Starts a server whose handler answers 200 "finished" after `duration`; `waitForAHandler` returns once one runs.
func startSlowServer(answeringAfter duration: Duration) throws -> (
    server: HTTPServer, waitForAHandler: @Sendable () async throws -> Void
) {
    let started = Atomic<Bool>(false)
    let server = HTTPServer(configuration: .init()) { _ in
        started.store(true, ordering: .relaxed)
        try? await Task.sleep(for: duration)
        return .text(200, "finished")
    }
    try server.start()
    return (
        server,
        {
            while !started.load(ordering: .relaxed) {
                try await Task.sleep(for: .milliseconds(5))
            }
        }
    )
}

let echo: @Sendable (HTTPRequest) async -> HTTPResponse = { request in
    var headers = HTTPFields()
    headers.add(name: "X-Method", value: request.method.rawValue)
    headers.add(name: "X-Path", value: request.path)
    headers.add(name: "X-Raw-URI", value: request.rawURI)
    headers.add(name: "X-Query", value: request.query ?? "-")
    headers.add(name: "X-Test-Header", value: request.headers["x-test"] ?? "-")
    return HTTPResponse(status: 200, headers: headers, body: request.body)
}

@Suite struct HTTPServerTests {
    @Test func handsTheRequestOverAsSent() async throws {
        try await withServer(handler: echo) { server in
            let port = server.port
            let body: [UInt8] = [0, 1, 2, 0xFF, 0xFE] + Array("{\"a\": 1}".utf8)
            let response = try await blocking {
                try RawHTTPConnection(port: port).request(
                    "POST", "/hooks/a%20b?token=x%2By&z=1", headers: [("X-Test", "hello")], body: body)
            }
            #expect(response.status == 200)
            #expect(response.body == body)
            #expect(response.header("X-Method") == "POST")
            #expect(response.header("X-Path") == "/hooks/a b")
            #expect(response.header("X-Raw-URI") == "/hooks/a%20b?token=x%2By&z=1")
            #expect(response.header("X-Query") == "token=x%2By&z=1")
            #expect(response.header("X-Test-Header") == "hello")
        }
    }

    @Test func queryItemsAreFormDecoded() {
        let request = HTTPRequest(method: .get, path: "/x", rawURI: "/x?token=a%2Bb+c&empty&k=%ZZ")
        let items = request.queryItems
        #expect(items.map(\.name) == ["token", "empty", "k"])
        #expect(items.map(\.value) == ["a+b c", "", "%ZZ"])
    }

    @Test func keepsConnectionsAlive() async throws {
        try await withServer(handler: echo) { server in
            let port = server.port
            let responses = try await blocking {
                let connection = try RawHTTPConnection(port: port)
                return try (0..<5).map { try connection.request("GET", "/ping/\($0)") }
            }
            for (index, response) in responses.enumerated() {
                #expect(response.status == 200)
                #expect(response.header("X-Path") == "/ping/\(index)")
                #expect(response.header("Connection")?.lowercased() != "close")
            }
        }
    }

    @Test func rejectsADeclaredOversizedBodyBeforeReadingIt() async throws {
        let handled = Atomic<Int>(0)
        try await withServer(.init(maxBodyBytes: 1000)) { _ in
            handled.add(1, ordering: .relaxed)
            return .text(200, "handled")
        } _: { server in
            let port = server.port
            // Headers only: the body is never sent, so a 413 can only come before reading it.
            let response = try await blocking {
                let connection = try RawHTTPConnection(port: port)
                try connection.send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n")
                return try connection.readResponse()
            }
            #expect(response.status == 413)
            #expect(response.header("Connection")?.lowercased() == "close")
        }
        #expect(handled.load(ordering: .relaxed) == 0)
    }

    @Test func rejectsAChunkedBodyOverTheLimit() async throws {
        try await withServer(.init(maxBodyBytes: 1000), handler: echo) { server in
            let port = server.port
            var request = "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            for _ in 0..<3 {
                request += "200\r\n" + String(repeating: "a", count: 0x200) + "\r\n"
            }
            request += "0\r\n\r\n"
            let wire = request
            let response = try await blocking {
                let connection = try RawHTTPConnection(port: port)
                try connection.send(wire)
                return try connection.readResponse()
            }
            #expect(response.status == 413)
        }
    }

    @Test func acceptsABodyExactlyAtTheLimit() async throws {
        try await withServer(.init(maxBodyBytes: 1000), handler: echo) { server in
            let port = server.port
            let body = [UInt8](repeating: 0x61, count: 1000)
            let response = try await blocking { try RawHTTPConnection(port: port).request("POST", "/x", body: body) }
            #expect(response.status == 200)
            #expect(response.body == body)
        }
    }

    /// With one MHD thread, eight requests can only be inside the handler together if no thread waits for them.
    @Test func handlersNeverBlockTheListenerThreads() async throws {
        let inside = Atomic<Int>(0)
        let concurrency = 8
        try await withServer(.init(threads: 1)) { _ in
            inside.add(1, ordering: .relaxed)
            let deadline = ContinuousClock.now + .seconds(5)
            while inside.load(ordering: .relaxed) < concurrency, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(2))
            }
            return .text(200, "\(inside.load(ordering: .relaxed))")
        } _: { server in
            let port = server.port
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<concurrency {
                    group.addTask {
                        try await blocking { try RawHTTPConnection(port: port).request("GET", "/slow").text }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers == Array(repeating: "\(concurrency)", count: concurrency))
        }
    }

    @Test func answers503WhenTheHandlerPassesItsDeadline() async throws {
        try await withServer(.init(requestTimeout: .milliseconds(200))) { _ in
            try? await Task.sleep(for: .seconds(30))
            return .text(200, "too late")
        } _: { server in
            let port = server.port
            let response = try await blocking { try RawHTTPConnection(port: port).request("GET", "/stuck") }
            // Without a RefusalResponder, a refusal is a problem 503 with Retry-After.
            #expect(response.status == 503)
            #expect(response.header("Content-Type") == "application/problem+json")
            #expect(response.header("Retry-After") == "5")
        }
    }

    /// A handler that answers before it suspends is answered by the access handler itself: its connection is never
    /// suspended and resumed. One that suspends first is answered through the suspension, as before.
    @Test func suspendsOnlyTheConnectionsOfHandlersThatSuspend() async throws {
        let server = HTTPServer(configuration: .init()) { request in
            if request.path == "/later" { try? await Task.sleep(for: .milliseconds(1)) }
            return .text(200, request.path)
        }
        try server.start()
        let port = server.port
        let answers = try await blocking {
            let connection = try RawHTTPConnection(port: port)
            return try ["/now", "/later", "/now", "/later", "/now"].map { try connection.request("GET", $0).text }
        }
        await server.shutdown(gracePeriod: .seconds(2))
        #expect(answers == ["/now", "/later", "/now", "/later", "/now"])
        let suspensions = server.core.suspensions.load(ordering: .relaxed)
        #expect(suspensions == 2)
    }

    /// A handler runs on the listener's thread until it first suspends; one that passes its deadline before that is
    /// answered 503 by the deadline sweep all the same, and its own late answer is dropped, not sent after it.
    @Test func answers503WhenTheHandlerPassesItsDeadlineBeforeItSuspends() async throws {
        let serverBox = Mutex<HTTPServer?>(nil)
        let sweptBeforeReturning = Atomic<Int>(0)
        let server = HTTPServer(configuration: .init(requestTimeout: .milliseconds(100))) { _ in
            // Blocks the listener's thread, never suspending, until the sweep has answered (the deadline sweep runs on
            // the pool, which other tests may keep busy for seconds).
            let deadline = ContinuousClock.now + .seconds(30)
            while serverBox.withLock({ $0?.core.handlingCount ?? 1 }) > 0, ContinuousClock.now < deadline {
                usleep(1000)
            }
            sweptBeforeReturning.add(1, ordering: .relaxed)
            return .text(200, "too late")
        }
        serverBox.withLock { $0 = server }
        try server.start()
        let port = server.port
        let (first, second) = try await blocking {
            let connection = try RawHTTPConnection(port: port)
            // The connection stays usable: the late 200 was not queued behind the 503.
            return (try connection.request("GET", "/stuck"), try connection.request("GET", "/stuck-again"))
        }
        await server.shutdown(gracePeriod: .seconds(2))
        for response in [first, second] {
            #expect(response.status == 503)
            #expect(response.header("Retry-After") == "5")
        }
        let returned = sweptBeforeReturning.load(ordering: .relaxed)
        #expect(returned == 2)
        let suspensions = server.core.suspensions.load(ordering: .relaxed)
        #expect(suspensions == 0)
    }

    /// The running handlers are a list threaded through their requests; one answered from the middle of it must leave
    /// the others linked, or shutdown and the deadline sweep would never find those behind it. Shutdown walks the
    /// same list as the sweep, and needs no deadline to race against on a machine busy with other tests.
    @Test func shutdownFindsEveryHandlerAfterOneInTheMiddleAnswered() async throws {
        let released = Atomic<Bool>(false)
        let finished = Atomic<Bool>(false)
        // The two others answer only once the test is over: with a deadline of their own, a test resumed late on a
        // busy pool saw them answer 200 before the shutdown refused them.
        let server = HTTPServer(configuration: .init()) { request in
            let deadline = ContinuousClock.now + atOnce
            while ContinuousClock.now < deadline, !finished.load(ordering: .relaxed),
                !(request.path == "/held" && released.load(ordering: .relaxed))
            {
                try? await Task.sleep(for: .milliseconds(2))
            }
            return .text(200, request.path)
        }
        try server.start()
        let port = server.port
        var answers: [Task<RawHTTPConnection.Response, any Error>] = []
        // Started one by one, so that the list holds them in this order: "/held" between the two others.
        for (index, path) in ["/first", "/held", "/last"].enumerated() {
            answers.append(Task { try await blocking { try RawHTTPConnection(port: port).request("GET", path) } })
            let deadline = ContinuousClock.now + atOnce
            while server.core.handlingCount <= index, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        let running = server.core.handlingCount
        released.store(true, ordering: .relaxed)
        let held = try await answers[1].value
        await server.shutdown(gracePeriod: .milliseconds(100))
        finished.store(true, ordering: .relaxed)
        #expect(running == 3)
        #expect(held.status == 200)
        for answer in [answers[0], answers[2]] {
            let response = try await answer.value
            #expect(response.status == 503)
        }
        #expect(server.core.handlingCount == 0)
    }

    @Test func shutdownLetsInFlightRequestsFinish() async throws {
        let (server, waitForAHandler) = try startSlowServer(answeringAfter: .milliseconds(300))
        let port = server.port
        let inFlight = Task { try await blocking { try RawHTTPConnection(port: port).request("GET", "/work") } }
        try await waitForAHandler()
        await server.shutdown(gracePeriod: .seconds(5))
        let response = try await inFlight.value
        #expect(response.status == 200)
        #expect(response.text == "finished")
        #expect(throws: RawHTTPConnection.Failure.self) { try RawHTTPConnection(port: port) }
    }

    @Test func shutdownAnswers503WhenAHandlerOutlivesTheGracePeriod() async throws {
        let (server, waitForAHandler) = try startSlowServer(answeringAfter: .seconds(30))
        let port = server.port
        let inFlight = Task { try await blocking { try RawHTTPConnection(port: port).request("GET", "/work") } }
        try await waitForAHandler()
        await server.shutdown(gracePeriod: .milliseconds(200))
        let response = try await inFlight.value
        #expect(response.status == 503)
        #expect(response.header("Connection")?.lowercased() == "close")
    }

    /// A request whose body ends during shutdown, after the handlers still running were answered, is answered 503 on
    /// the spot. It used to be suspended with nobody left to resume it, and MHD_stop_daemon then aborted the whole
    /// process: hence an exit test, so that the regression fails this test and not the run.
    @Test func aRequestCompletedDuringShutdownIsAnswered503() async {
        await #expect(processExitsWith: .success) {
            let (server, waitForAHandler) = try startSlowServer(answeringAfter: .seconds(30))
            let port = server.port
            let late = try RawHTTPConnection(port: port)
            try late.send("POST /late HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\n\r\nab")
            let running = try RawHTTPConnection(port: port)
            try running.send("GET /running HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            try await waitForAHandler()
            while server.activeRequests < 2 {
                try await Task.sleep(for: .milliseconds(5))
            }
            let shutdown = Task { await server.shutdown(gracePeriod: .milliseconds(100)) }
            // The running handler's 503 says that shutdown has answered the handlers; the late request's body ends
            // right after, while shutdown waits for it to be read.
            let (first, second) = try await blocking {
                let first = try running.readResponse()
                try late.send("cd")
                return (first, try late.readResponse())
            }
            await shutdown.value
            #expect(first.status == 503)
            #expect(second.status == 503)
            #expect(second.header("Connection")?.lowercased() == "close")
        }
    }

    /// Shutdown answers a handler that still runs on the listener's thread: its connection must then never be
    /// suspended, since MHD_stop_daemon aborts the process on a suspended connection that nobody will resume; the
    /// access handler queues the 503 itself. Hence an exit test; its watchdog turns a shutdown that waits for ever for
    /// such a connection into a failure too.
    @Test func aHandlerAnsweredByShutdownBeforeItSuspendsIsNeverSuspended() async {
        await #expect(processExitsWith: .success) {
            DispatchQueue.global().asyncAfter(deadline: .now() + 20) { exit(3) }
            let serverBox = Mutex<HTTPServer?>(nil)
            let entered = Atomic<Bool>(false)
            let server = HTTPServer(configuration: .init()) { _ in
                entered.store(true, ordering: .relaxed)
                // On the listener's thread until shutdown has answered this request; only then does it suspend.
                let deadline = ContinuousClock.now + .seconds(30)
                while serverBox.withLock({ $0?.core.handlingCount ?? 1 }) > 0, ContinuousClock.now < deadline {
                    usleep(1000)
                }
                try? await Task.sleep(for: .seconds(30))
                return .text(200, "too late")
            }
            serverBox.withLock { $0 = server }
            try server.start()
            let connection = try RawHTTPConnection(port: server.port)
            try connection.send("GET /starting HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            while !entered.load(ordering: .relaxed) {
                try await Task.sleep(for: .milliseconds(5))
            }
            await server.shutdown(gracePeriod: .milliseconds(100))
            let response = try await blocking { try connection.readResponse() }
            #expect(response.status == 503)
            let suspensions = server.core.suspensions.load(ordering: .relaxed)
            #expect(suspensions == 0)
        }
    }

    @Test func closesIdleConnections() async throws {
        try await withServer(.init(idleTimeoutSeconds: 1), handler: echo) { server in
            let port = server.port
            let (status, closed) = try await blocking {
                let connection = try RawHTTPConnection(port: port)
                return (try connection.request("GET", "/").status, connection.isClosedByPeer())
            }
            #expect(status == 200)
            #expect(closed)
        }
    }

    @Test func enforcesTheConnectionLimit() async throws {
        try await withServer(.init(connectionLimit: 2, idleTimeoutSeconds: 10), handler: echo) { server in
            let port = server.port
            let (first, second, third) = try await blocking {
                let first = try RawHTTPConnection(port: port)
                let second = try RawHTTPConnection(port: port)
                let statuses = (try first.request("GET", "/").status, try second.request("GET", "/").status)
                let third = Result { try RawHTTPConnection(port: port, timeout: 3).request("GET", "/").status }
                return (statuses.0, statuses.1, third)
            }
            #expect(first == 200)
            #expect(second == 200)
            #expect(throws: (any Error).self) { try third.get() }
        }
    }

    @Test func refusesToStartOnABadAddress() {
        let server = HTTPServer(configuration: .init(host: "not-an-address")) { _ in .text(200, "") }
        #expect(throws: HTTPServerError.self) { try server.start() }
    }
}
