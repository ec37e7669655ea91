import CMicroHTTPD
import HTTPTypes
import Synchronization

/// The state of one request, from the URI-log callback to the completion callback.
///
/// `@unchecked Sendable`: the reading fields are touched only by the MHD thread that owns the connection (MHD calls
/// one connection's callbacks serially); the hand-over to the handler task goes through `outcome`, a `Mutex`.
final class RequestContext: @unchecked Sendable {
    enum Outcome {
        case reading
        /// The handler runs on the listener's thread, before its first suspension: the connection is not suspended.
        case starting
        case handling(connection: ConnectionHandle)
        case answered(HTTPResponse)
        case queued
    }

    /// What the first answer to a request must do next.
    enum Delivery {
        /// The connection is suspended: resume it, and the access handler queues the answer at its next call.
        case resume(ConnectionHandle)
        /// The access handler that started the handler has not returned yet: it queues the answer itself.
        case inline
    }

    let rawURI: String
    /// Whether the request target as sent was valid UTF-8.
    let rawURIIsValidUTF8: Bool
    var headersSeen = false
    /// The method, read on the first call; every later use of it comes after that call.
    var method: HTTPMethod = .get
    /// Read once, on the first call, for the framing checks and then for the handler.
    var headers = HTTPFields()
    var headersAreValidUTF8 = true
    var body: [UInt8] = []
    var bodyTooLarge = false
    /// Bytes of the server's body budget held for this request, given back at completion.
    var reservedBytes = 0
    /// The body would have passed the server's budget: it is read and dropped, and the request refused as busy.
    var overBudget = false
    /// Method and path, set when the handler starts: what a refusal in the application's dialect needs.
    var requestLine: (method: HTTPMethod, path: String)?
    let outcome = Mutex(Outcome.reading)
    /// When the handler started (set as it starts, so the clock is read once a request), and this request's links in
    /// the server's list of running handlers (``ServerCore``). The start is written before the request enters the
    /// list, under whose lock it is read; the links are read and written under that lock alone.
    var handlerStarted: ContinuousClock.Instant?
    var nextHandling: RequestContext?
    unowned(unsafe) var previousHandling: RequestContext?

    init(rawURI: String, rawURIIsValidUTF8: Bool = true) {
        self.rawURI = rawURI
        self.rawURIIsValidUTF8 = rawURIIsValidUTF8
    }

    /// Hands the response over once; the first caller wins (the handler, its deadline or shutdown).
    /// - Returns: how the answer reaches the connection, or nil when another answer came first.
    func answer(_ response: HTTPResponse) -> Delivery? {
        outcome.withLock { state in
            switch state {
            case .starting:
                state = .answered(response)
                return .inline
            case .handling(let connection):
                state = .answered(response)
                return .resume(connection)
            case .reading, .answered, .queued:
                return nil
            }
        }
    }

    /// Once the handler has returned or suspended on the listener's thread: the answer given meanwhile, to queue now,
    /// or nil after `suspend` ran, the connection then waiting for ``answer(_:)`` to resume it.
    func answerOrSuspend(_ suspend: () -> ConnectionHandle) -> HTTPResponse? {
        outcome.withLock { state in
            if case .answered(let response) = state {
                state = .queued
                return response
            }
            state = .handling(connection: suspend())
            return nil
        }
    }

    /// Takes the response for queuing, after the connection was resumed.
    func takeAnswer() -> HTTPResponse? {
        outcome.withLock { state in
            guard case .answered(let response) = state else { return nil }
            state = .queued
            return response
        }
    }
}

/// A suspended MHD connection. MHD keeps it alive while suspended, and resuming is thread-safe.
struct ConnectionHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}
