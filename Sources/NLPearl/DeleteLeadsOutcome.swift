/// What one `DELETE /v2/Outbound/{pearlId}/Leads` call came to, or one `POST /v2/Account/Blacklist`
/// (``BlacklistOutcome``).
///
/// The client never throws: every transport failure and every answer, expected or not, is one of
/// these cases, so that the caller decides with one `switch` what to journal and whether to retry.
/// Both endpoints answer 200 with a boolean, so the cases read the same for both: for the blacklist,
/// "deleted" means that the numbers were added and "leads" the entries of `phoneNumbers`.
public enum DeleteLeadsOutcome: Sendable, Equatable {
    /// 200 `true`: NLPearl deleted the leads.
    case deleted
    /// 200 `false`: NLPearl answered but did not delete the leads.
    case notDeleted
    /// 400: NLPearl rejected the request; `errors` usually names the fields (leads) at fault.
    case invalid(ValidationProblemDetails)
    /// 401 or 403: the token is missing, wrong or not allowed to delete these leads.
    case unauthorized(status: Int)
    /// 429: too many requests; `retryAfter` is NLPearl's `Retry-After`, if it sent a usable one.
    case rateLimited(retryAfter: Duration?)
    /// 5xx: NLPearl (or a proxy in front of it) failed; `retryAfter` as for ``rateLimited(retryAfter:)``.
    case unavailable(status: Int, retryAfter: Duration?)
    /// No complete answer arrived within the configured timeout.
    case timedOut
    /// The request could not be sent or its answer not read: DNS, connect, TLS, a dropped connection,
    /// an unusable base URL or token. The message names the cause and never contains the token.
    case connectionFailed(String)
    /// Any other answer: another status (a 3xx redirect, which is never followed, another 4xx), or a
    /// 200 whose body is not a boolean. `status` is 0 when AsyncHTTPClient refused a redirect loop
    /// before handing over the answer.
    case unexpected(status: Int, detail: String)

    /// Whether sending the same leads again later may succeed.
    ///
    /// True for 429, 5xx, timeouts and connection failures, which are transient; for 401/403, since
    /// the work stays queued until the operator fixes the token (SPEC §7); and for the ``unexpected``
    /// answers that an intermediary or a misconfiguration produces rather than NLPearl's judgement of
    /// the leads: status 0 or 3xx (redirects), 408, 425 and a 200 whose body is not a boolean (such as
    /// a proxy's HTML page). False for `deleted`, `notDeleted`, `invalid` (the same leads get the same
    /// answer; split the batch instead) and for other 4xx.
    public var isRetryable: Bool {
        switch self {
        case .deleted, .notDeleted, .invalid:
            return false
        case .unauthorized, .rateLimited, .unavailable, .timedOut, .connectionFailed:
            return true
        case .unexpected(let status, _):
            switch status {
            case 0, 200, 300..<400, 408, 425, 500...:
                return true
            default:
                return false
            }
        }
    }

    /// The HTTP status of the answer, or nil when no answer was received.
    public var httpStatus: Int? {
        switch self {
        case .deleted, .notDeleted:
            return 200
        case .invalid:
            return 400
        case .unauthorized(let status), .unavailable(let status, _):
            return status
        case .rateLimited:
            return 429
        case .timedOut, .connectionFailed:
            return nil
        case .unexpected(let status, _):
            return status == 0 ? nil : status
        }
    }

    /// The delay that NLPearl asked for with `Retry-After`, if any.
    public var retryAfter: Duration? {
        switch self {
        case .rateLimited(let retryAfter), .unavailable(_, let retryAfter):
            return retryAfter
        default:
            return nil
        }
    }
}

extension DeleteLeadsOutcome: CustomStringConvertible {
    /// A short line for logs, such as `rate limited (retry after 5 seconds)`.
    public var description: String {
        switch self {
        case .deleted:
            return "deleted"
        case .notDeleted:
            return "not deleted (200 false)"
        case .invalid(let problem):
            return "invalid (400): \(problem.summary)"
        case .unauthorized(let status):
            return "unauthorized (\(status))"
        case .rateLimited(let retryAfter):
            return "rate limited (429\(Self.describe(retryAfter)))"
        case .unavailable(let status, let retryAfter):
            return "unavailable (\(status)\(Self.describe(retryAfter)))"
        case .timedOut:
            return "timed out"
        case .connectionFailed(let message):
            return "connection failed: \(message)"
        case .unexpected(let status, let detail):
            return "unexpected answer (\(status)): \(detail)"
        }
    }

    private static func describe(_ retryAfter: Duration?) -> String {
        guard let retryAfter else { return "" }
        return ", retry after \(retryAfter)"
    }
}
