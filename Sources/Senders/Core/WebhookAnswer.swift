import JSON
import MicroHTTP
import OptOutCore

/// What the bridge has to tell a sender about its webhook, before the sender's dialect shapes it (SPEC §6).
public enum WebhookAnswer: Sendable {
    /// Journaled (or ignored); `status` aggregates the events' outcomes; `ids` are the journal's opt-out ids.
    case handled(status: OptOutStatus, ids: [String], duplicate: Bool)
    /// No lead is mapped and `unmapped` is `reject`: 404.
    case unmapped(ids: [String])
    /// Not finished and the sender must try again (sync ack mode, journal not writable, shutting down): 503.
    case retryLater(seconds: Int, problem: Problem)
    /// Authentication failed (401) or the payload is malformed (400).
    case refused(WebhookError)

    /// The HTTP status for JSON senders.
    public var jsonStatus: HTTPStatus {
        switch self {
        case .handled(let status, _, _): status == .queued ? 202 : 200
        case .unmapped: 404
        case .retryLater: 503
        case .refused(let error): HTTPStatus(code: error.status)
        }
    }

    /// The plain JSON dialect, asking for a retry with 503.
    public func jsonResponse() -> HTTPResponse {
        jsonResponse(retryStatus: .serviceUnavailable)
    }

    /// The plain JSON dialect: a small status object, or a problem.
    public func jsonResponse(retryStatus: HTTPStatus) -> HTTPResponse {
        switch self {
        case .handled(let status, let ids, let duplicate):
            let body = JSONWriter.bytes(capacity: 48 + ids.count * 32) { json in
                json.object { json in
                    json.member("status", status.rawValue)
                    json.member("ids", ids)
                    if duplicate { json.member("duplicate", true) }
                }
            }
            return .json(jsonStatus, body)
        case .unmapped(let ids):
            let problem = Problem(
                "unmapped", title: "Not Found", status: 404,
                detail: "No NLPearl lead is mapped to this contact; journaled as \(ids.joined(separator: ", ")).")
            return .json(404, problem.json, contentType: "application/problem+json")
        case .retryLater(let seconds, var problem):
            problem.status = retryStatus.code
            var response = HTTPResponse.json(retryStatus, problem.json, contentType: "application/problem+json")
            response.headers[.retryAfter] = String(seconds)
            return response
        case .refused(let error):
            return .json(jsonStatus, error.problem.json, contentType: "application/problem+json")
        }
    }
}
