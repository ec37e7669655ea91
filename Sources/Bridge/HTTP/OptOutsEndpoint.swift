import Foundation
import JSON
import Journal
import Logging
import MicroHTTP
import OptOutCore

/// `POST /v1/opt-outs` and `GET /v1/opt-outs/{id}`: the API and manual trigger.
struct OptOutsEndpoint: Sendable {
    static let maximumItems = 1000

    let settings: BridgeRouter.Settings
    let intake: Intake
    let journal: Journal
    let metrics: BridgeMetrics

    func submit(_ request: HTTPRequest, requestId: String, logger: Logger) async -> HTTPResponse {
        if let refusal = authenticate(request) { return refusal }
        let parsed: [Parsed]
        let isArray: Bool
        switch parse(request) {
        case .failed(let problem):
            return problem.response
        case .parsed(let items, let array):
            (parsed, isArray) = (items, array)
        }
        let submissions = parsed.compactMap { item -> OptOutSubmission? in
            guard case .valid(var submission) = item else { return nil }
            submission.requestId = requestId
            return submission
        }
        // The bad items of an array are journaled as `invalid`, with their reasons, beside the good ones.
        let invalid = parsed.enumerated().compactMap { index, item -> Journal.NewOptOut? in
            guard case .invalid(let problem, let identifiers) = item else { return nil }
            let fields = (problem.errors ?? [:]).sorted { $0.key < $1.key }.map {
                "\($0.key): \($0.value.joined(separator: "; "))"
            }
            return .invalid(
                source: "api", reason: "item \(index): " + ([problem.detail] + fields).joined(separator: " "),
                identifiers: identifiers, requestId: requestId)
        }
        let outcomes: [Intake.Outcome]
        do {
            outcomes = try await intake.submit(submissions, invalid: invalid)
        } catch {
            logger.error("journal append failed; answering 503", metadata: ["error": "\(error)"])
            var response = Problem.journalUnavailable().response
            response.headers[.retryAfter] = "30"
            return response
        }
        var answers: [Answer] = []
        var next = outcomes.makeIterator()
        for item in parsed {
            switch item {
            case .invalid(let problem, _):
                answers.append(
                    Answer(
                        status: HTTPStatus(code: problem.status), body: problem.json, retryAfter: nil, isProblem: true))
            case .valid:
                let outcome = next.next()!
                metrics.recordOptOut(
                    source: "api", status: outcome.record.status.rawValue, duplicate: outcome.duplicate)
                outcome.logIfSuppressedUnmapped(logger)
                answers.append(translate(outcome))
            }
        }
        guard isArray else { return answers[0].response }
        let body = JSONWriter.bytes(capacity: answers.reduce(16) { $0 + $1.body.count + 64 }) { json in
            json.object { json in
                json.member("results") { json in
                    json.array { json in
                        for answer in answers { answer.writeResult(to: &json) }
                    }
                }
            }
        }
        return .json(200, body)
    }

    func show(id: String, request: HTTPRequest) async -> HTTPResponse {
        if let refusal = authenticate(request) { return refusal }
        do {
            guard let record = try await journal.record(id: id) else {
                return Problem.notFound("No opt-out with id '\(id)' is in the journal.").response
            }
            return .json(200, OptOutView(record: record, duplicate: false, detailed: true).json)
        } catch {
            var response = Problem.journalUnavailable().response
            response.headers[.retryAfter] = "30"
            return response
        }
    }

    private func authenticate(_ request: HTTPRequest) -> HTTPResponse? {
        APIAuthentication(api: settings.api).refusal(request)
    }

    // MARK: - Parsing

    private enum Parsed {
        case valid(OptOutSubmission)
        /// The problem to answer, and the item's keys as given, for the journal's `invalid` record.
        case invalid(Problem, identifiers: [String] = [])
    }

    private enum ParsedBody {
        case parsed([Parsed], isArray: Bool)
        case failed(Problem)
    }

    private func parse(_ request: HTTPRequest) -> ParsedBody {
        let value: JSONValue
        do {
            value = try JSONParser.parse(request.body, maximumDepth: 32)
        } catch {
            return .failed(.badRequest("The body is not valid JSON: \(error)"))
        }
        let headerKey = request.headers["Idempotency-Key"]
        if let headerKey, !Self.isValidHeaderKey(headerKey) {
            let expected = "expected 1 to 200 printable ASCII characters, not blank at either end"
            let problem = Problem.badRequest(
                "The Idempotency-Key header is not valid; see errors.", errors: ["Idempotency-Key": [expected]])
            return .failed(problem)
        }
        if let items = value.asArray {
            guard !items.isEmpty, items.count <= Self.maximumItems else {
                return .failed(.badRequest("Send between 1 and \(Self.maximumItems) opt-outs in one array."))
            }
            let parsed = items.enumerated().map { index, item in
                parseItem(item, pointer: "/\(index)", idempotencyKey: headerKey.map { "\($0)#\(index)" })
            }
            return .parsed(parsed, isArray: true)
        }
        let single = parseItem(value, pointer: "", idempotencyKey: headerKey)
        if case .invalid(let problem, _) = single { return .failed(problem) }
        return .parsed([single], isArray: false)
    }

    /// 1 to 200 of visible ASCII, space and tab, not blank at either end (libmicrohttpd keeps trailing blanks).
    ///
    /// An empty key would make every later request with an empty key a duplicate of the first, and a key that differs
    /// only in blanks or in bytes a proxy may re-encode would not be recognised as the same.
    private static func isValidHeaderKey(_ key: String) -> Bool {
        let bytes = key.utf8
        guard (1...200).contains(bytes.count), let first = bytes.first, let last = bytes.last else { return false }
        let isVisible = { (byte: UInt8) in byte > 0x20 && byte < 0x7F }
        return isVisible(first) && isVisible(last) && bytes.allSatisfy { isVisible($0) || $0 == 0x20 || $0 == 0x09 }
    }

    private func parseItem(_ value: JSONValue, pointer: String, idempotencyKey headerKey: String?) -> Parsed {
        guard let members = value.asObject else {
            return .invalid(
                .badRequest(
                    "An opt-out is a JSON object with keys and/or leads.", errors: [pointer: ["expected an object"]]))
        }
        var errors: [String: [String]] = [:]
        var keys: [ContactKey] = []
        var identifiers: [String] = []
        var leads: [Lead] = []
        var idempotencyKey = headerKey
        for member in members {
            let at = "\(pointer)/\(member.key)"
            switch member.key {
            case "keys":
                guard let array = member.value.asArray else {
                    errors[at, default: []].append("expected an array of strings such as \"email:jane@example.com\"")
                    continue
                }
                for (index, element) in array.enumerated() {
                    guard let text = element.asString else {
                        errors["\(at)/\(index)", default: []].append("expected a string")
                        continue
                    }
                    identifiers.append(text)
                    do {
                        keys.append(try ContactKey.parse(text, defaultCountryCode: settings.defaultCountryCode))
                    } catch {
                        errors["\(at)/\(index)", default: []].append(error.message)
                    }
                }
            case "leads":
                guard let array = member.value.asArray else {
                    errors[at, default: []].append("expected an array of {\"pearlId\", \"leadId\"} objects")
                    continue
                }
                for (index, element) in array.enumerated() {
                    guard let pearlId = element["pearlId"]?.asString, !pearlId.isEmpty,
                        let leadId = element["leadId"]?.asString, !leadId.isEmpty,
                        element.asObject?.count == 2
                    else {
                        errors["\(at)/\(index)", default: []].append(
                            "expected an object with exactly a non-empty pearlId and leadId")
                        continue
                    }
                    leads.append(Lead(pearlId: pearlId, leadId: leadId))
                }
            case "idempotencyKey":
                // Characters (code points), as the OpenAPI document's maxLength counts them.
                guard let text = member.value.asString, (1...200).contains(text.unicodeScalars.count) else {
                    errors[at, default: []].append("expected a string of 1 to 200 characters")
                    continue
                }
                idempotencyKey = text
            default:
                errors[at, default: []].append("unknown member; expected keys, leads or idempotencyKey")
            }
        }
        if errors.isEmpty, keys.isEmpty, leads.isEmpty {
            errors[pointer.isEmpty ? "/" : pointer, default: []].append("give at least one of keys or leads")
        }
        guard errors.isEmpty else {
            return .invalid(
                .badRequest("The opt-out is not valid; see errors.", errors: errors), identifiers: identifiers)
        }
        return .valid(
            OptOutSubmission(
                source: "api", idempotencyKey: idempotencyKey, keys: keys, identifiers: identifiers, leads: leads))
    }

    // MARK: - Translation (SPEC §6, /v1/opt-outs column)

    private struct Answer {
        var status: HTTPStatus
        var body: [UInt8]
        var retryAfter: Int?
        var isProblem: Bool

        var response: HTTPResponse {
            var response = HTTPResponse.json(
                status, body, contentType: isProblem ? "application/problem+json" : "application/json")
            if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return response
        }

        /// One entry of an array answer: the record, or `{"status", "problem"}` where the item failed.
        /// The answer as an element of `results`: the body itself, or a problem wrapped with its status.
        func writeResult(to json: inout JSONWriter) {
            guard isProblem else { return json.raw(body) }
            json.object { json in
                json.member("status", status == 400 ? "invalid" : "error")
                json.member("httpStatus", status.code)
                json.member("problem") { $0.raw(body) }
            }
        }
    }

    private func translate(_ outcome: Intake.Outcome) -> Answer {
        let view = OptOutView(record: outcome.record, duplicate: outcome.duplicate, detailed: false)
        let record = outcome.record
        /// A problem answer that carries the opt-out's record as its `optOut` member.
        func problemAnswer(_ problem: Problem, retryAfter: Int? = nil) -> Answer {
            var problem = problem
            problem.extend("optOut") { view.write(to: &$0) }
            return Answer(
                status: HTTPStatus(code: problem.status), body: problem.json, retryAfter: retryAfter, isProblem: true)
        }
        if settings.unmapped == .reject, !outcome.mapped {
            return problemAnswer(
                Problem(
                    "unmapped", title: "Not Found", status: 404,
                    detail:
                        "No NLPearl lead is mapped to these keys; nothing was deleted. The keys are on the suppression "
                        + "list all the same, and the opt-out is journaled as \(record.id)."))
        }
        switch record.status {
        case .deleted, .dryRun, .suppressed, .ignored, .invalid:
            return Answer(status: 200, body: view.json, retryAfter: nil, isProblem: false)
        case .queued:
            switch settings.ackMode {
            case .durable:
                return Answer(status: 202, body: view.json, retryAfter: nil, isProblem: false)
            case .sync:
                return problemAnswer(
                    Problem(
                        "delivery-pending", title: "Service Unavailable", status: 503,
                        detail: "The opt-out is journaled as \(record.id) and will be delivered; NLPearl has not "
                            + "confirmed it yet. Send it again (same idempotency key) to learn the outcome."),
                    retryAfter: retryAfter(record))
            }
        case .notDeleted:
            return Answer(status: 422, body: view.json, retryAfter: nil, isProblem: false)
        case .failed:
            // Not 422: that says the request is at fault, and it answers NLPearl's final judgements (`false`, 400),
            // which a retry cannot change. Here NLPearl never answered usefully within `giveUpAfterHours`; the
            // opt-out is not done and nothing in the request is wrong, so 5xx, which tells a caller to retry (§6).
            // The retry is answered from the journal: it reads `deleted` once `journal retry` has delivered it, and
            // without an idempotency key it is a new opt-out, tried afresh.
            return problemAnswer(
                Problem(
                    "delivery-failed", title: "Service Unavailable", status: 503,
                    detail: "The opt-out is journaled as \(record.id), but NLPearl did not confirm the deletion within "
                        + "giveUpAfterHours; it is kept as failed for `optout-bridge journal retry`. Nothing was "
                        + "confirmed deleted: try again later."), retryAfter: Self.failedRetryAfter)
        case .rejected:
            return problemAnswer(
                Problem(
                    "rejected", title: "Unprocessable Content", status: 422,
                    detail: "NLPearl rejected the deletion of some leads (400); see errors.", errors: view.nlpearlErrors
                ))
        }
    }

    /// The `Retry-After` of a `failed` opt-out, in seconds: no attempt is scheduled, so a minute, the order of an
    /// operator's `journal retry` and of the rescan that picks it up (30 s).
    static let failedRetryAfter = 60

    /// Seconds until the next attempt of the opt-out's first pending lead, at least 1.
    private func retryAfter(_ record: OptOutRecord) -> Int {
        let next = record.leads.compactMap(\.nextAttemptAt).min()
        let seconds = next.map { Int($0.timeIntervalSinceNow.rounded(.up)) } ?? 1
        return max(1, seconds)
    }
}
