import Foundation
import NIOCore
import NIOHTTP1
import TestSupport
import Testing

@testable import FakeNLPearl
@testable import NLPearl

@Suite("The fake over loopback")
struct FakeNLPearlServerTests {
    /// Sends a raw request, so that requests that break the contract can be made.
    static func send(
        _ fake: FakeNLPearl,
        method: HTTPMethod = .DELETE,
        path: String = "/v2/Outbound/P/Leads",
        headers: [(String, String)] = [("Authorization", "Bearer acct:secret"), ("Content-Type", "application/json")],
        body: String? = #"{"leadIds":["L1"]}"#
    ) async throws -> (status: Int, headers: [(String, String)], body: String) {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.add(name: name, value: value) }
        let answer = await NLPearlTransport(baseURL: fake.baseURL).exchange(
            method, url: fake.baseURL + path, headers: fields, body: body.map { Array($0.utf8) },
            timeout: .seconds(30), maxResponseBytes: 1 << 20)
        let response = try answer.get()
        return (response.status, response.headers.map { ($0.name, $0.value) }, String(buffer: response.body))
    }

    @Test("violations are recorded and answered with a problem whose detail says what is wrong")
    func violationsRecordedAndAnswered() async throws {
        try await withFake { fake in
            let extra = try await Self.send(fake, body: #"{"leadIds":["L1"],"force":true}"#)
            #expect(extra.status == 400)
            let problem = try #require(try JSONSerialization.jsonObject(with: Data(extra.body.utf8)) as? [String: Any])
            #expect((problem["detail"] as? String)?.contains("\"force\"") == true)
            #expect((problem["errors"] as? [String: [String]])?["force"] != nil)

            let method = try await Self.send(fake, method: .POST)
            #expect(method.status == 405)
            #expect(method.headers.contains { $0.0.lowercased() == "allow" && $0.1 == "DELETE" })

            #expect(try await Self.send(fake, path: "/v2/Outbound/P/leads").status == 404)
            #expect(try await Self.send(fake, headers: [("Content-Type", "application/json")]).status == 401)
            let wrongType = try await Self.send(
                fake, headers: [("Authorization", "Bearer acct:secret"), ("Content-Type", "text/plain")])
            #expect(wrongType.status == 400)
            #expect(try await Self.send(fake, body: nil).status == 400)

            #expect(fake.violations.count == 6)
            #expect(fake.violations[0].hasPrefix("DELETE /v2/Outbound/P/Leads: the request body has properties other"))
            #expect(fake.violations[1].hasPrefix("POST /v2/Outbound/P/Leads: method POST"))
            #expect(fake.calls.map(\.status) == [400, 405, 404, 401, 400, 400])
            #expect(fake.calls.allSatisfy { $0.violation != nil && $0.leadIds == nil })
            #expect(fake.deletedLeads.isEmpty)
        }
    }

    @Test("a wrong token is answered 401 with an empty body and is not a violation")
    func wrongToken() async throws {
        try await withFake { fake in
            let answer = try await Self.send(
                fake, headers: [("Authorization", "Bearer acct:nope"), ("Content-Type", "application/json")])
            #expect(answer.status == 401 && answer.body.isEmpty)
            #expect(fake.violations.isEmpty)
            #expect(fake.calls.first?.answer == "wrong token")
        }
    }

    @Test("deleted leads accumulate per pearlId; calls record what was asked and answered")
    func deletedLeadsAndCalls() async throws {
        try await withFake { fake in
            _ = try await Self.send(fake, path: "/v2/Outbound/A/Leads", body: #"{"leadIds":["L1","L2"]}"#)
            _ = try await Self.send(fake, path: "/v2/Outbound/A/Leads", body: #"{"leadIds":["L2","L3"]}"#)
            _ = try await Self.send(fake, path: "/v2/Outbound/B/Leads", body: #"{"leadIds":null}"#)
            fake.behaviour = .answerFalse
            _ = try await Self.send(fake, path: "/v2/Outbound/C/Leads", body: #"{"leadIds":["L9"]}"#)
            #expect(fake.deletedLeads == ["A": ["L1", "L2", "L3"], "B": []])
            #expect(fake.calls.map(\.pearlId) == ["A", "A", "B", "C"])
            #expect(fake.calls.map(\.leadIds) == [["L1", "L2"], ["L2", "L3"], [], ["L9"]])
            #expect(fake.calls.map(\.answer) == ["true", "true", "true", "false"])
            #expect(fake.calls.allSatisfy { $0.receivedAt.timeIntervalSinceNow > -60 })
            #expect(fake.calls[0].logLine == "DELETE /v2/Outbound/A/Leads leadIds=[L1, L2] → 200 true")
            fake.reset()
            #expect(fake.calls.isEmpty && fake.callCount == 0 && fake.deletedLeads.isEmpty)
        }
    }

    @Test("waitForCalls returns true once enough calls arrived, false after the timeout")
    func waitForCalls() async throws {
        try await withFake(behaviour: .delay(.milliseconds(100), then: .succeed)) { fake in
            async let answered = Self.send(fake)
            #expect(await fake.waitForCalls(count: 1, timeout: .seconds(30)))
            let status = try await answered.status
            #expect(status == 200)
            let clock = ContinuousClock()
            let start = clock.now
            #expect(await fake.waitForCalls(count: 2, timeout: .milliseconds(150)) == false)
            #expect(clock.now - start >= .milliseconds(140))
            #expect(await fake.waitForCalls(count: 1, timeout: .zero))
        }
    }

    @Test("stop ends pending delays instead of waiting them out")
    func stopEndsDelays() async throws {
        let fake = FakeNLPearl()
        fake.behaviour = .delay(afterAnyTest, then: .succeed)
        try fake.start()
        let pending = Task { try? await Self.send(fake) }
        try await Task.sleep(for: .milliseconds(200))
        let clock = ContinuousClock()
        let start = clock.now
        await fake.stop()
        #expect(clock.now - start < atOnce)
        _ = await pending.value
    }

    @Test("the call history keeps the latest calls up to its limit; callCount counts them all")
    func historyLimit() async throws {
        let fake = FakeNLPearl(callHistoryLimit: 2)
        try fake.start()
        for index in 0..<3 {
            _ = try await Self.send(fake, body: "{\"leadIds\":[\"L\(index)\"]}")
        }
        #expect(fake.callCount == 3)
        #expect(fake.calls.map(\.leadIds) == [["L1"], ["L2"]])
        await fake.stop()
    }

    @Test("log lines show the call, shorten long lead lists and name violations")
    func logLines() {
        var call = FakeNLPearl.Call(
            method: "DELETE", uri: "/v2/Outbound/P/Leads?x=1", pearlId: "P", leadIds: (1...12).map { "L\($0)" },
            headers: [], body: [], receivedAt: Date(), status: 200, answer: "true", answerHeaders: [], violation: nil
        )
        let expected =
            "DELETE /v2/Outbound/P/Leads leadIds=[L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, …(+2)] → 200 true"
        #expect(call.logLine == expected)
        call.leadIds = nil
        call.status = 400
        call.violation = "leadIds is not an array"
        #expect(call.logLine == "DELETE /v2/Outbound/P/Leads → 400 contract violation: leadIds is not an array")
    }
}
