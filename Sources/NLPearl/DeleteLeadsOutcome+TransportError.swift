extension DeleteLeadsOutcome {
    /// The outcome of a call that produced no complete answer.
    ///
    /// - Parameters:
    ///   - failure: Why ``NLPearlTransport`` got none.
    ///   - origin: `scheme://host:port` of the call, named in connection failures.
    ///   - redactor: Removes the token from the failure's text.
    init(transportFailure failure: NLPearlTransport.Failure, origin: String, redactor: TokenRedactor) {
        switch failure {
        case .timedOut:
            self = .timedOut
        case .closedEarly:
            self = .connectionFailed("the connection was closed before a complete answer arrived")
        case .cancelled:
            self = .connectionFailed("the call was cancelled")
        case .answerTooLarge(let status, let limit):
            self = .unexpected(status: status, detail: "answer body larger than \(limit) bytes")
        case .unusableBaseURL(let why):
            self = .connectionFailed("the base URL is not a usable http(s) URL (\(why))")
        case .unreachable(let why):
            self = .connectionFailed(redactor.redact("cannot reach \(origin): \(why)"))
        }
    }
}
