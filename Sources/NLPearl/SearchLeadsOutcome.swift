/// What one `POST /v1/Outbound/{outboundId}/Leads` (Search Leads) call came to.
///
/// As with ``DeleteLeadsOutcome``, the client never throws: every answer and every transport failure is one of
/// these cases. The failures are the delete's, with the same meanings and the same ``isRetryable``, so that a
/// caller pages and deletes with one retry policy.
public enum SearchLeadsOutcome: Sendable, Equatable {
    /// 200 with the documented object: the total and one page of leads.
    case page(SearchLeadsPage)
    /// 400: NLPearl rejected the search (a `limit` out of its bounds, say); `errors` names the fields at fault.
    case invalid(ValidationProblemDetails)
    /// 401 or 403: the token is missing, wrong or not allowed to read this campaign.
    case unauthorized(status: Int)
    /// 429: too many requests; `retryAfter` is NLPearl's `Retry-After`, if it sent a usable one.
    case rateLimited(retryAfter: Duration?)
    /// 5xx: NLPearl (or a proxy in front of it) failed; `retryAfter` as for ``rateLimited(retryAfter:)``.
    case unavailable(status: Int, retryAfter: Duration?)
    /// No complete answer arrived within the configured timeout.
    case timedOut
    /// The request could not be sent or its answer not read; the message never contains the token.
    case connectionFailed(String)
    /// Any other answer: another status (a refused redirect, another 4xx such as 404 for an unknown campaign),
    /// or a 200 whose body is not the documented `{"count", "results"}` object.
    case unexpected(status: Int, detail: String)

    /// Whether the same search later may succeed: as ``DeleteLeadsOutcome/isRetryable``.
    ///
    /// True for 429, 5xx, timeouts, connection failures, 401/403 (until the operator fixes the token) and the
    /// ``unexpected(status:detail:)`` answers of intermediaries (status 0, 3xx, 408, 425, 5xx and a 200 that is
    /// not a page, such as a proxy's HTML); false for a page, ``invalid(_:)`` and other 4xx.
    public var isRetryable: Bool {
        switch self {
        case .page: return false
        case .invalid(let problem): return DeleteLeadsOutcome.invalid(problem).isRetryable
        case .unauthorized(let status): return DeleteLeadsOutcome.unauthorized(status: status).isRetryable
        case .rateLimited(let delay): return DeleteLeadsOutcome.rateLimited(retryAfter: delay).isRetryable
        case .unavailable(let status, let delay):
            return DeleteLeadsOutcome.unavailable(status: status, retryAfter: delay).isRetryable
        case .timedOut: return DeleteLeadsOutcome.timedOut.isRetryable
        case .connectionFailed(let message): return DeleteLeadsOutcome.connectionFailed(message).isRetryable
        case .unexpected(let status, let detail):
            return DeleteLeadsOutcome.unexpected(status: status, detail: detail).isRetryable
        }
    }

    /// The HTTP status of the answer, or nil when no answer was received.
    public var httpStatus: Int? {
        switch self {
        case .page: return 200
        case .invalid: return 400
        case .unauthorized(let status), .unavailable(let status, _): return status
        case .rateLimited: return 429
        case .timedOut, .connectionFailed: return nil
        case .unexpected(let status, _): return status == 0 ? nil : status
        }
    }

    /// The delay that NLPearl asked for with `Retry-After`, if any.
    public var retryAfter: Duration? {
        switch self {
        case .rateLimited(let retryAfter), .unavailable(_, let retryAfter): return retryAfter
        default: return nil
        }
    }
}

extension SearchLeadsOutcome {
    /// The search outcome of an answer that is not a 200, or of a call that got no answer.
    ///
    /// Every case of ``DeleteLeadsOutcome`` but the two booleans has its namesake here; a boolean can only come
    /// from a 200, which ``NLPearlClient/searchLeads(campaignId:skip:limit:searchInput:statuses:)`` reads itself,
    /// so it is kept as the answer it would be to a search: not a page.
    init(_ outcome: DeleteLeadsOutcome) {
        switch outcome {
        case .deleted, .notDeleted:
            self = .unexpected(status: 200, detail: "body is a boolean, not a page of leads")
        case .invalid(let problem): self = .invalid(problem)
        case .unauthorized(let status): self = .unauthorized(status: status)
        case .rateLimited(let delay): self = .rateLimited(retryAfter: delay)
        case .unavailable(let status, let delay): self = .unavailable(status: status, retryAfter: delay)
        case .timedOut: self = .timedOut
        case .connectionFailed(let message): self = .connectionFailed(message)
        case .contentTooLarge: self = .unexpected(status: 413, detail: "413 Content Too Large")
        case .unexpected(let status, let detail, _): self = .unexpected(status: status, detail: detail)
        }
    }
}

extension SearchLeadsOutcome {
    /// The failure as the delete's outcome of the same name, for a caller that retries searches and deletes with one
    /// policy (the dispatcher); nil for a page.
    public var failure: DeleteLeadsOutcome? {
        switch self {
        case .page: nil
        case .invalid(let problem): .invalid(problem)
        case .unauthorized(let status): .unauthorized(status: status)
        case .rateLimited(let delay): .rateLimited(retryAfter: delay)
        case .unavailable(let status, let delay): .unavailable(status: status, retryAfter: delay)
        case .timedOut: .timedOut
        case .connectionFailed(let message): .connectionFailed(message)
        case .unexpected(let status, let detail): .unexpected(status: status, detail: detail)
        }
    }
}

extension SearchLeadsOutcome: CustomStringConvertible {
    /// A short line for logs, such as `page of 100 leads (count 2500)` or `rate limited (429, retry after 5 seconds)`.
    public var description: String {
        switch self {
        case .page(let page):
            return "page of \(page.leads.count) leads (count \(page.count))"
        case .invalid(let problem):
            return DeleteLeadsOutcome.invalid(problem).description
        case .unauthorized(let status):
            return DeleteLeadsOutcome.unauthorized(status: status).description
        case .rateLimited(let delay):
            return DeleteLeadsOutcome.rateLimited(retryAfter: delay).description
        case .unavailable(let status, let delay):
            return DeleteLeadsOutcome.unavailable(status: status, retryAfter: delay).description
        case .timedOut:
            return DeleteLeadsOutcome.timedOut.description
        case .connectionFailed(let message):
            return DeleteLeadsOutcome.connectionFailed(message).description
        case .unexpected(let status, let detail):
            return DeleteLeadsOutcome.unexpected(status: status, detail: detail).description
        }
    }
}
