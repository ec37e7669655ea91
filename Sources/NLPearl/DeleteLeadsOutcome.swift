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
    /// 413: the call was larger than NLPearl, or a proxy in front of it, takes. It says nothing of the leads, so a
    /// batch is halved and a single lead retried; `retryAfter` as for ``rateLimited(retryAfter:)``.
    case contentTooLarge(retryAfter: Duration?)
    /// No complete answer arrived within the configured timeout.
    case timedOut
    /// The request could not be sent or its answer not read: DNS, connect, TLS, a dropped connection,
    /// an unusable base URL or token. The message names the cause and never contains the token.
    case connectionFailed(String)
    /// Any other answer: another status (a 3xx redirect, which is never followed, another 4xx, a 2xx
    /// other than 200), or a 200 whose body is not a boolean. `status` is 0 when there was no answer
    /// to read (a call of the dry run, or one made without an NLPearl client); `retryAfter` is the
    /// answer's `Retry-After`, if it sent a usable one.
    case unexpected(status: Int, detail: String, retryAfter: Duration? = nil)

    /// Whether sending the same leads again later may succeed.
    ///
    /// False only for NLPearl's documented judgements of the leads, which the same leads would get
    /// again: `deleted`, `notDeleted` and `invalid` (a batch is split instead). Everything else is
    /// retried (SPEC §7): 429, 5xx, timeouts and connection failures are transient; 401/403 keeps the
    /// work queued until the operator fixes the token; and an answer the reference does not document
    /// (404, 409, 410, 413, 422, any other 4xx, a redirect, a 2xx that is not a boolean) is no
    /// judgement of the leads but of a deployment, a proxy or a route in between, which a later
    /// attempt may find fixed. Giving up on it at once would drop an acknowledged opt-out; only
    /// `giveUpAfterHours` does.
    public var isRetryable: Bool {
        switch self {
        case .deleted, .notDeleted, .invalid:
            return false
        case .unauthorized, .rateLimited, .unavailable, .contentTooLarge, .timedOut, .connectionFailed, .unexpected:
            return true
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
        case .contentTooLarge:
            return 413
        case .timedOut, .connectionFailed:
            return nil
        case .unexpected(let status, _, _):
            return status == 0 ? nil : status
        }
    }

    /// The delay that NLPearl asked for with `Retry-After`, if any.
    public var retryAfter: Duration? {
        switch self {
        case .rateLimited(let retryAfter), .unavailable(_, let retryAfter), .contentTooLarge(let retryAfter),
            .unexpected(_, _, let retryAfter):
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
        case .contentTooLarge(let retryAfter):
            return "content too large (413\(Self.describe(retryAfter)))"
        case .timedOut:
            return "timed out"
        case .connectionFailed(let message):
            return "connection failed: \(message)"
        case .unexpected(let status, let detail, let retryAfter):
            return "unexpected answer (\(status)\(Self.describe(retryAfter))): \(detail)"
        }
    }

    private static func describe(_ retryAfter: Duration?) -> String {
        guard let retryAfter else { return "" }
        return ", retry after \(retryAfter)"
    }
}
