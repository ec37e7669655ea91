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
        case handling(connection: ConnectionHandle)
        case answered(HTTPResponse)
        case queued
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

    init(rawURI: String, rawURIIsValidUTF8: Bool = true) {
        self.rawURI = rawURI
        self.rawURIIsValidUTF8 = rawURIIsValidUTF8
    }

    /// Hands the response over once; the first caller wins (the handler or its deadline).
    /// - Returns: the suspended connection to resume, or nil when another answer came first.
    func answer(_ response: HTTPResponse) -> ConnectionHandle? {
        outcome.withLock { state in
            guard case .handling(let connection) = state else { return nil }
            state = .answered(response)
            return connection
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
