import HTTPTypes

/// A request that the server answers itself instead of handing it to its handler: it is shutting down, or the
/// handler took longer than ``HTTPServer/Configuration/requestTimeout``.
///
/// The application shapes the answer (``HTTPServer/RefusalResponder``), so that each client hears the refusal in
/// its own dialect: a webhook sender that retries only on 429 must not get a 503, a SOAP client wants a SOAP fault.
public struct Refusal: Sendable {
    /// Why the server refuses.
    public enum Reason: Sendable, Hashable {
        /// The server is shutting down and takes no more work.
        case shuttingDown
        /// The handler did not answer within the request timeout.
        case timedOut
        /// Taking the body would pass ``HTTPServer/Configuration/maxBufferedBodyBytes``.
        case busy
    }

    public var reason: Reason
    /// The request's method, as sent.
    public var method: HTTPMethod
    /// The request's percent-decoded path, without the query.
    public var path: String

    public init(reason: Reason, method: HTTPMethod, path: String) {
        self.reason = reason
        self.method = method
        self.path = path
    }

    /// The answer when the application gives none: an RFC 9457 problem, 503 with `Retry-After: 5`.
    public var defaultResponse: HTTPResponse {
        switch reason {
        case .shuttingDown: ServerCore.problem(.serviceUnavailable, "The server is shutting down; try again.")
        case .timedOut: ServerCore.problem(.serviceUnavailable, "The request took too long; try again.")
        case .busy: ServerCore.problem(.serviceUnavailable, "The server holds too many request bodies now; try again.")
        }
    }
}
