import NIOCore
import Testing

@testable import NLPearl

@Suite("Mapping an answer to an outcome")
struct DeleteLeadsOutcomeTests {
    static let redactor = TokenRedactor(token: "acct:supersecret")

    static func outcome(
        _ status: Int,
        _ body: String = "",
        retryAfter: String? = nil,
        location: String? = nil
    ) -> DeleteLeadsOutcome {
        DeleteLeadsOutcome(
            status: status, retryAfter: retryAfter, location: location, body: Array(body.utf8), now: 0,
            redactor: redactor
        )
    }

    @Test(
        "200 booleans are read with surrounding whitespace, a BOM and any letter case",
        arguments: [
            ("true", true), ("false", false), (" true\r\n", true), ("\tfalse ", false), ("True", true),
            ("FALSE", false), ("\u{FEFF}true", true),
        ]
    )
    func booleans(body: String, deleted: Bool) {
        #expect(Self.outcome(200, body) == (deleted ? .deleted : .notDeleted))
    }

    @Test(
        "a 200 body that is not a bare boolean is unexpected",
        arguments: ["", "\"true\"", "truee", "1", "{\"result\":true}", "<html>OK</html>", "t rue"]
    )
    func nonBooleans(body: String) {
        guard case .unexpected(200, let detail, _) = Self.outcome(200, body) else {
            Issue.record("expected .unexpected(200, _) for \(body)")
            return
        }
        #expect(detail.hasPrefix("body is not a boolean"))
    }

    @Test("statuses map to their outcomes")
    func statuses() {
        #expect(Self.outcome(401) == .unauthorized(status: 401))
        #expect(Self.outcome(403) == .unauthorized(status: 403))
        #expect(Self.outcome(429) == .rateLimited(retryAfter: nil))
        #expect(Self.outcome(429, retryAfter: "7") == .rateLimited(retryAfter: .seconds(7)))
        #expect(Self.outcome(500) == .unavailable(status: 500, retryAfter: nil))
        #expect(Self.outcome(503, retryAfter: "30") == .unavailable(status: 503, retryAfter: .seconds(30)))
        #expect(Self.outcome(429, retryAfter: "whenever") == .rateLimited(retryAfter: nil))
        #expect(Self.outcome(404, "no such campaign") == .unexpected(status: 404, detail: "no such campaign"))
        #expect(Self.outcome(204) == .unexpected(status: 204, detail: "empty body"))
        #expect(Self.outcome(413) == .contentTooLarge(retryAfter: nil))
        #expect(Self.outcome(413, retryAfter: "9") == .contentTooLarge(retryAfter: .seconds(9)))
        // Every retried answer honours its Retry-After, documented or not (SPEC §7).
        #expect(
            Self.outcome(404, retryAfter: "5")
                == .unexpected(status: 404, detail: "empty body", retryAfter: .seconds(5)))
    }

    @Test("a redirect is unexpected and names its target without the token")
    func redirect() {
        let outcome = Self.outcome(307, location: "https://elsewhere.example/?k=supersecret")
        #expect(
            outcome
                == .unexpected(status: 307, detail: "redirect to https://elsewhere.example/?k=<redacted> not followed"))
    }

    @Test("a 400 body is decoded as ValidationProblemDetails")
    func invalid() throws {
        let body =
            #"{"title":"Bad","status":400,"errors":{"leadIds[1]":["Lead 'L2' cannot be deleted."]},"traceId":"t-1"}"#
        guard case .invalid(let problem) = Self.outcome(400, body) else {
            Issue.record("expected .invalid")
            return
        }
        #expect(problem.title == "Bad")
        #expect(problem.errors == ["leadIds[1]": ["Lead 'L2' cannot be deleted."]])
        #expect(problem.additionalProperties["traceId"] == .string("t-1"))
    }

    @Test("a 400 body that is not a problem still makes a problem", arguments: ["", "plain text", "[1,2]"])
    func unreadableProblem(body: String) {
        guard case .invalid(let problem) = Self.outcome(400, body) else {
            Issue.record("expected .invalid")
            return
        }
        #expect(problem.status == 400)
        #expect(problem.detail?.contains(body.isEmpty ? "empty 400 body" : body) == true)
    }

    @Test("answer bodies are redacted and cut in details")
    func detailsAreRedactedAndShort() {
        let long = "token acct:supersecret leaked " + String(repeating: "x", count: 1000)
        guard case .unexpected(_, let detail, _) = Self.outcome(418, long) else {
            Issue.record("expected .unexpected")
            return
        }
        #expect(!detail.contains("supersecret"))
        #expect(detail.count <= 201)
    }

    @Test(
        "every outcome is retried but NLPearl's documented judgements of the leads (SPEC §7)",
        arguments: [
            (DeleteLeadsOutcome.deleted, false), (.notDeleted, false), (.invalid(.init()), false),
            (.unauthorized(status: 401), true), (.unauthorized(status: 403), true),
            (.rateLimited(retryAfter: nil), true), (.unavailable(status: 502, retryAfter: nil), true),
            (.timedOut, true), (.connectionFailed("refused"), true),
            (.unexpected(status: 307, detail: ""), true), (.unexpected(status: 0, detail: ""), true),
            (.unexpected(status: 200, detail: ""), true), (.unexpected(status: 408, detail: ""), true),
            (.unexpected(status: 404, detail: ""), true), (.unexpected(status: 422, detail: ""), true),
            (.unexpected(status: 409, detail: ""), true), (.unexpected(status: 410, detail: ""), true),
            (.unexpected(status: 204, detail: ""), true), (.contentTooLarge(retryAfter: nil), true),
        ]
    )
    func retryable(outcome: DeleteLeadsOutcome, retryable: Bool) {
        #expect(outcome.isRetryable == retryable)
    }

    @Test("httpStatus is the answer's status, nil without an answer")
    func httpStatus() {
        #expect(DeleteLeadsOutcome.deleted.httpStatus == 200)
        #expect(DeleteLeadsOutcome.notDeleted.httpStatus == 200)
        #expect(DeleteLeadsOutcome.invalid(.init()).httpStatus == 400)
        #expect(DeleteLeadsOutcome.unauthorized(status: 403).httpStatus == 403)
        #expect(DeleteLeadsOutcome.rateLimited(retryAfter: nil).httpStatus == 429)
        #expect(DeleteLeadsOutcome.unavailable(status: 504, retryAfter: nil).httpStatus == 504)
        #expect(DeleteLeadsOutcome.timedOut.httpStatus == nil)
        #expect(DeleteLeadsOutcome.connectionFailed("x").httpStatus == nil)
        #expect(DeleteLeadsOutcome.unexpected(status: 0, detail: "loop").httpStatus == nil)
        #expect(DeleteLeadsOutcome.unexpected(status: 301, detail: "").httpStatus == 301)
    }

    @Test(
        "connection failures name the origin, without user info or path",
        arguments: [
            ("https://api.nlpearl.ai", "https://api.nlpearl.ai"),
            ("https://user:pw@api.nlpearl.ai:8443/prefix?q#f", "https://api.nlpearl.ai:8443"),
            ("http://127.0.0.1:8099/", "http://127.0.0.1:8099"),
            ("not a url", "the base URL"),
        ])
    func origin(url: String, origin: String) {
        #expect(NLPearlClient.origin(of: url) == origin)
    }

    @Test("the timeout converts to NIO's TimeAmount, clamped")
    func timeAmount() {
        #expect(NLPearlClient.timeAmount(.milliseconds(1500)) == .milliseconds(1500))
        #expect(NLPearlClient.timeAmount(.seconds(-3)) == .zero)
        #expect(NLPearlClient.timeAmount(.seconds(Int64.max)) == .hours(24 * 365))
    }

    @Test("the redactor removes the whole token and the SecretKey alone")
    func redactor() {
        let redactor = TokenRedactor(token: "acct:supersecret")
        #expect(redactor.redact("a acct:supersecret b supersecret c") == "a <redacted> b <redacted> c")
        #expect(TokenRedactor(token: "a:b").redact("a:b b") == "<redacted> b")
    }
}
