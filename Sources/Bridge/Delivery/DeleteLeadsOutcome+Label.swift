import NLPearl

extension DeleteLeadsOutcome {
    /// A short snake_case name of the outcome, as the journal's attempts and the metrics' `result` label show it.
    var label: String {
        switch self {
        case .deleted: "deleted"
        case .notDeleted: "not_deleted"
        case .invalid: "rejected"
        case .unauthorized: "unauthorized"
        case .rateLimited: "rate_limited"
        case .unavailable: "unavailable"
        case .contentTooLarge: "content_too_large"
        case .timedOut: "timed_out"
        case .connectionFailed: "connection_failed"
        case .unexpected: "unexpected"
        }
    }
}
