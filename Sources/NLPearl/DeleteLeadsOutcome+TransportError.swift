import AsyncHTTPClient

extension DeleteLeadsOutcome {
    /// The outcome of a call that produced no complete answer.
    ///
    /// AsyncHTTPClient reports a connect failure that outlasts the deadline as that failure (it
    /// keeps retrying the connection until then), and a deadline reached otherwise as
    /// `deadlineExceeded`.
    ///
    /// - Parameters:
    ///   - error: What AsyncHTTPClient threw.
    ///   - origin: `scheme://host:port` of the call, named in connection failures.
    ///   - redactor: Removes the token from the error's text.
    init(transportError error: any Error, origin: String, redactor: TokenRedactor) {
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .deadlineExceeded, .readTimeout, .writeTimeout:
                self = .timedOut
            case .remoteConnectionClosed:
                self = .connectionFailed("the connection was closed before a complete answer arrived")
            case .cancelled:
                self = .connectionFailed("the call was cancelled")
            case .invalidURL, .emptyHost, .emptyScheme:
                self = .connectionFailed("the base URL is not a usable http(s) URL (\(clientError))")
            default:
                self = .connectionFailed(redactor.redact("cannot reach \(origin): \(clientError)"))
            }
            return
        }
        if error is CancellationError {
            self = .connectionFailed("the call was cancelled")
            return
        }
        self = .connectionFailed(redactor.redact("cannot reach \(origin): \(error)"))
    }
}
