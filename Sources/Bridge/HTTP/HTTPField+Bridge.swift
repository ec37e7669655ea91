import MicroHTTP

extension HTTPField.Name {
    /// `X-Request-Id`: the caller's id for a request, echoed on every answer and journaled with its opt-outs.
    ///
    /// A constant, so that the name is validated once rather than on each answer.
    static let requestId = HTTPField.Name("X-Request-Id")!
}
