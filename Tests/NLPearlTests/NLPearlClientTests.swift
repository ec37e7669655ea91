import FakeNLPearl
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import NLPearl

#if canImport(Glibc)
    import Glibc
#endif

@Suite("NLPearlClient against the fake over loopback")
struct NLPearlClientTests {
    @Test(
        "200 true in each content type is deleted, and the request keeps the contract exactly",
        arguments: FakeNLPearl.ResponseContentType.allCases)
    func deletedInEveryContentType(contentType: FakeNLPearl.ResponseContentType) async throws {
        try await withFake(behaviour: .succeedAs(contentType)) { fake in
            let outcome = await client(fake.baseURL).deleteLeads(
                pearlId: "6720c0f8e4b0a1b2c3d4e5f6", leadIds: ["L1", "L2", "L1"])
            #expect(outcome == .deleted)
            #expect(fake.violations.isEmpty)
            let call = try #require(fake.calls.first)
            #expect(call.answer == "true")
            #expect(call.method == "DELETE")
            #expect(call.uri == "/v2/Outbound/6720c0f8e4b0a1b2c3d4e5f6/Leads")
            #expect(call.header("Authorization") == "Bearer acct:secret")
            #expect(call.header("Content-Type") == "application/json")
            #expect(call.header("Accept") == "application/json")
            // No compressed answer is asked for: NLPearl's answers are a few bytes, not worth inflating.
            #expect(call.header("Accept-Encoding") == nil)
            #expect(String(decoding: call.body, as: UTF8.self) == #"{"leadIds":["L1","L2","L1"]}"#)
            #expect(fake.deletedLeads == ["6720c0f8e4b0a1b2c3d4e5f6": ["L1", "L2"]])
        }
    }

    @Test("200 false is notDeleted")
    func notDeleted() async throws {
        try await withFake(behaviour: .falseForLeads(["L2"])) { fake in
            let client = client(fake.baseURL)
            #expect(await client.deleteLeads(pearlId: "P", leadIds: ["L1", "L2"]) == .notDeleted)
            #expect(await client.deleteLeads(pearlId: "P", leadIds: ["L1"]) == .deleted)
            #expect(fake.deletedLeads == ["P": ["L1"]])
            #expect(fake.violations.isEmpty)
        }
    }

    @Test("400 in each content type is invalid, with errors decoded and extra members such as traceId kept")
    func invalidInEveryContentType() async throws {
        try await withFake(behaviour: .rejectLeads(["L2"])) { fake in
            let client = client(fake.baseURL)
            for _ in 0..<3 {
                let outcome = await client.deleteLeads(pearlId: "P", leadIds: ["L1", "L2", "L3"])
                guard case .invalid(let problem) = outcome else {
                    Issue.record("expected .invalid, got \(outcome)")
                    return
                }
                #expect(problem.status == 400)
                #expect(problem.title == "One or more validation errors occurred.")
                #expect(problem.errors == ["leadIds[1]": ["Lead 'L2' cannot be deleted."]])
                guard let traceId = problem.additionalProperties["traceId"]?.asString else {
                    Issue.record("traceId was not kept: \(problem.additionalProperties)")
                    return
                }
                #expect(traceId.hasPrefix("00-"))
            }
            let contentTypes = fake.calls.compactMap { call in
                call.answerHeaders.first { $0.name == "Content-Type" }?.value
            }
            #expect(Set(contentTypes) == ["text/plain", "application/json", "text/json"])
            #expect(fake.calls.allSatisfy { $0.status == 400 })
            #expect(fake.violations.isEmpty)
            #expect(fake.deletedLeads.isEmpty)
        }
    }

    @Test("401 for a wrong token and 403 are unauthorized; a wrong token is no contract violation")
    func unauthorized() async throws {
        try await withFake { fake in
            let wrong = client(fake.baseURL, token: "acct:wrong")
            #expect(await wrong.deleteLeads(pearlId: "P", leadIds: ["L1"]) == .unauthorized(status: 401))
            fake.behaviour = .status(403, retryAfter: nil)
            #expect(await client(fake.baseURL).deleteLeads(pearlId: "P", leadIds: ["L1"]) == .unauthorized(status: 403))
            #expect(fake.violations.isEmpty)
            #expect(fake.calls.map(\.status) == [401, 403])
        }
    }

    @Test("429 carries Retry-After given as seconds or as an HTTP-date")
    func rateLimited() async throws {
        try await withFake(behaviour: .rateLimited(retryAfterSeconds: 7)) { fake in
            let client = client(fake.baseURL)
            #expect(await client.deleteLeads(pearlId: "P", leadIds: ["L1"]) == .rateLimited(retryAfter: .seconds(7)))

            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
            let sent = Date()
            let date = formatter.string(from: sent.addingTimeInterval(120))
            fake.behaviour = .respond(status: 429, headers: [.init("Retry-After", date)], body: [])
            let outcome = await client.deleteLeads(pearlId: "P", leadIds: ["L1"])
            // The date's whole seconds from when it was made, less however long the answer took to come back: on a
            // pool busy with other tests, that was once more than 10 s.
            let elapsed = Date().timeIntervalSince(sent)
            guard case .rateLimited(let delay?) = outcome else {
                Issue.record("expected a rate limit with a delay, got \(outcome)")
                return
            }
            #expect(delay > .seconds(118 - elapsed) && delay <= .seconds(121))
            #expect(fake.violations.isEmpty)
        }
    }

    @Test(
        "5xx is unavailable, with Retry-After when given",
        arguments: [(500, nil), (502, nil), (503, 30)] as [(Int, Int?)])
    func unavailable(status: Int, retryAfter: Int?) async throws {
        try await withFake(behaviour: .status(status, retryAfter: retryAfter)) { fake in
            let outcome = await client(fake.baseURL).deleteLeads(pearlId: "P", leadIds: ["L1"])
            #expect(outcome == .unavailable(status: status, retryAfter: retryAfter.map { .seconds($0) }))
            #expect(outcome.isRetryable)
        }
    }

    @Test("an answer slower than the timeout is timedOut, in about the timeout")
    func timedOut() async throws {
        try await withFake(behaviour: .delay(afterAnyTest, then: .succeed)) { fake in
            let clock = ContinuousClock()
            let start = clock.now
            let outcome = await client(fake.baseURL, timeout: .milliseconds(300)).deleteLeads(
                pearlId: "P", leadIds: ["L1"])
            let elapsed = clock.now - start
            #expect(outcome == .timedOut)
            // The client gave up on its own deadline: the fake answers long after the test.
            #expect(elapsed >= .milliseconds(250) && elapsed < atOnce)
        }
    }

    @Test("cancelling the calling task ends a call in flight at once, as a retryable connection failure")
    func cancelledInFlight() async throws {
        try await withFake(behaviour: .delay(afterAnyTest, then: .succeed)) { fake in
            let client = client(fake.baseURL, timeout: afterAnyTest)
            let clock = ContinuousClock()
            let start = clock.now
            let call = Task { await client.deleteLeads(pearlId: "P", leadIds: ["L1"]) }
            // The fake records a call only once it answers, so give the request time to reach it: the cancellation
            // then ends a call on the wire (cancelled earlier, it must end at once all the same).
            try await Task.sleep(for: .milliseconds(300))
            call.cancel()
            let outcome = await call.value
            #expect(outcome == .connectionFailed("the call was cancelled"))
            #expect(outcome.isRetryable)
            // Long before the fake's answer and the client's timeout.
            #expect(clock.now - start < atOnce)
        }
    }

    @Test("a port with nothing listening is connectionFailed, and the message has no token")
    func connectionRefused() async throws {
        // A port bound but not listening refuses connections, and stays ours for the whole test: a stopped server's
        // port could be taken meanwhile by a server of a test running in parallel (which answered 401 once).
        let port = try BoundPort()
        defer { port.close() }
        let baseURL = "http://127.0.0.1:\(port.number)"
        let token = "acct:do-not-leak-this-secret"
        // The refusal ends the call at once, not at the deadline.
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = await client(baseURL, token: token, timeout: afterAnyTest)
            .deleteLeads(pearlId: "P", leadIds: ["L1"])
        #expect(clock.now - start < atOnce)
        guard case .connectionFailed(let message) = outcome else {
            Issue.record("expected .connectionFailed, got \(outcome)")
            return
        }
        #expect(message.hasPrefix("cannot reach \(baseURL):"))
        #expect(!message.contains("do-not-leak"))
        #expect(outcome.isRetryable)
    }

    @Test("a redirect is not followed: the second server sees no request, and the token goes nowhere else")
    func redirectNotFollowed() async throws {
        try await withFake { fake in
            let target = fake.baseURL + "/v2/Outbound/P/Leads"
            try await withServer({ _ in .init(status: 307, headers: [.location: target]) }) { baseURL, seen in
                let outcome = await client(baseURL).deleteLeads(pearlId: "P", leadIds: ["L1"])
                #expect(outcome == .unexpected(status: 307, detail: "redirect to \(target) not followed"))
                #expect(outcome.isRetryable)
                #expect(seen().count == 1)
            }
            try await Task.sleep(for: .milliseconds(200))
            #expect(fake.callCount == 0)
        }
    }

    @Test(
        "a redirect back to the same URL is not followed either, and its status is reported",
        arguments: [301, 302, 303, 307, 308])
    func redirectLoopNotFollowed(status: Int) async throws {
        let location = Mutex<String>("")
        try await withServer({ request in
            .init(status: .init(code: status), headers: [.location: location.withLock { $0 }])
        }) { baseURL, seen in
            let target = baseURL + "/v2/Outbound/P/Leads"
            location.withLock { $0 = target }
            let outcome = await client(baseURL).deleteLeads(pearlId: "P", leadIds: ["L1"])
            #expect(outcome == .unexpected(status: status, detail: "redirect to \(target) not followed"))
            #expect(seen().count == 1)
            #expect(seen().allSatisfy { $0.method == .delete })
        }
    }

    @Test("a base URL with a path prefix and trailing slash reaches prefix/v2/Outbound/{pearlId}/Leads")
    func basePathPrefix() async throws {
        try await withServer({ _ in .text(200, "true") }) { baseURL, seen in
            let outcome = await client(baseURL + "/nlpearl/").deleteLeads(pearlId: "a/b c", leadIds: ["L1"])
            #expect(outcome == .deleted)
            #expect(seen().map(\.rawURI) == ["/nlpearl/v2/Outbound/a%2Fb%20c/Leads"])
        }
    }

    @Test("a pearlId with reserved characters arrives as one segment and decodes back")
    func reservedCharactersInPearlId() async throws {
        try await withFake { fake in
            let pearlId = "weird/id?x=1#frag %é"
            #expect(await client(fake.baseURL).deleteLeads(pearlId: pearlId, leadIds: ["L1"]) == .deleted)
            #expect(fake.calls.first?.pearlId == pearlId)
            #expect(fake.violations.isEmpty)
        }
    }

    @Test("a 200 body that is not a boolean is unexpected")
    func unparsableSuccess() async throws {
        try await withFake(
            behaviour: .respond(
                status: 200, headers: [.init("Content-Type", "text/html")], body: Array("<html>ok</html>".utf8))
        ) { fake in
            let outcome = await client(fake.baseURL).deleteLeads(pearlId: "P", leadIds: ["L1"])
            #expect(outcome == .unexpected(status: 200, detail: "body is not a boolean: <html>ok</html>"))
        }
    }

    @Test("an answer body past the bound is unexpected, with its status, and the call ends there")
    func answerBodyPastTheBound() async throws {
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: (1 << 20) + 1)
        try await withFake(behaviour: .respond(status: 200, headers: [], body: body)) { fake in
            let outcome = await client(fake.baseURL).deleteLeads(pearlId: "P", leadIds: ["L1"])
            #expect(outcome == .unexpected(status: 200, detail: "answer body larger than 1048576 bytes"))
        }
    }

    @Test("concurrent calls are all answered and all keep the contract")
    func concurrentCalls() async throws {
        try await withFake { fake in
            let client = client(fake.baseURL)
            let outcomes = await withTaskGroup(of: DeleteLeadsOutcome.self) { group in
                for index in 0..<40 {
                    group.addTask { await client.deleteLeads(pearlId: "P\(index % 4)", leadIds: ["L\(index)"]) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.count == 40 && outcomes.allSatisfy { $0 == .deleted })
            #expect(await fake.waitForCalls(count: 40, timeout: .seconds(30)))
            #expect(fake.violations.isEmpty)
            #expect(fake.deletedLeads.values.reduce(0) { $0 + $1.count } == 40)
        }
    }

    @Test("a token with a line break is refused before anything is sent, without quoting it")
    func tokenWithLineBreak() async throws {
        try await withFake { fake in
            let outcome = await client(fake.baseURL, token: "acct:secret\r\nX-Evil: 1").deleteLeads(
                pearlId: "P", leadIds: ["L1"])
            guard case .connectionFailed(let message) = outcome else {
                Issue.record("expected .connectionFailed, got \(outcome)")
                return
            }
            #expect(!message.contains("secret"))
            try await Task.sleep(for: .milliseconds(100))
            #expect(fake.callCount == 0)
        }
    }

    @Test("no description, dump or outcome text shows the token")
    func tokenNeverShown() async throws {
        let token = "acct-1234:sk_live_SHOULD_NOT_APPEAR"
        let configuration = NLPearlClient.Configuration(baseURL: "http://127.0.0.1:1", token: token)
        let client = NLPearlClient(configuration: configuration)
        var dumped = ""
        dump(configuration, to: &dumped)
        dump(client, to: &dumped)
        let texts = [
            configuration.description, String(reflecting: configuration), "\(configuration)", client.description,
            String(reflecting: client), "\(client)", dumped,
        ]
        for text in texts {
            #expect(!text.contains("SHOULD_NOT_APPEAR"), "\(text)")
        }
        #expect(configuration.description.contains("<redacted>"))
        #expect(NLPearlClient.Configuration(token: "").description.contains("<none>"))

        try await withFake(token: token) { fake in
            let right = NLPearlClient(configuration: .init(baseURL: fake.baseURL, token: token, timeout: .seconds(30)))
            var outcomes: [DeleteLeadsOutcome] = []
            for behaviour: FakeNLPearl.Behaviour in [
                .succeed, .answerFalse, .rejectLeads(["L1"]), .status(500, retryAfter: 1),
            ] {
                fake.behaviour = behaviour
                outcomes.append(await right.deleteLeads(pearlId: "P", leadIds: ["L1"]))
            }
            fake.behaviour = .delay(.seconds(10), then: .succeed)
            let hurried = NLPearlClient(
                configuration: .init(baseURL: fake.baseURL, token: token, timeout: .milliseconds(200)))
            outcomes.append(await hurried.deleteLeads(pearlId: "P", leadIds: ["L1"]))
            #expect(outcomes.count == 5)
            for outcome in outcomes {
                #expect(!"\(outcome)".contains("SHOULD_NOT_APPEAR"))
                #expect(!String(reflecting: outcome).contains("SHOULD_NOT_APPEAR"))
            }
        }
    }
}

/// A loopback TCP port bound without listening: connecting to it is refused, and no other socket can take it.
private struct BoundPort {
    let descriptor: Int32
    let number: Int

    struct Failure: Error {
        let errno: Int32
    }

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(errno: errno) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                Glibc.bind(fd, address, length) == 0 && getsockname(fd, address, &length) == 0
            }
        }
        guard bound else {
            let error = errno
            Glibc.close(fd)
            throw Failure(errno: error)
        }
        descriptor = fd
        number = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        Glibc.close(descriptor)
    }
}
