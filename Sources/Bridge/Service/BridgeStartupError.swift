import OptOutCore

/// Why the service cannot start; each message says what to do.
public struct BridgeStartupError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// Whether the operator's input is at fault (exit 1) rather than the environment (exit 2).
    public let isUserError: Bool

    static let missingToken = BridgeStartupError(
        description: """
            no NLPearl API token is set. Set the environment variable NLPEARL_API_TOKEN to AccountId:SecretKey \
            (or nlpearl.token in the configuration, e.g. "env:NAME" or "file:/run/secrets/nlpearl"), \
            or run with --dry-run to try the bridge without deleting anything.
            """, isUserError: true)

    static func mapping(_ problems: [Diagnostic]) -> BridgeStartupError {
        BridgeStartupError(
            description: "the mapping file cannot be loaded:\n"
                + problems.prefix(50).map { "  \($0)" }.joined(separator: "\n"),
            isUserError: true)
    }

    static func senders(_ problems: [Diagnostic]) -> BridgeStartupError {
        BridgeStartupError(
            description: "the senders are not configured correctly:\n"
                + problems.map { "  \($0)" }.joined(separator: "\n"),
            isUserError: true)
    }

    static func journal(path: String, reason: String) -> BridgeStartupError {
        BridgeStartupError(
            description: "the journal \(path) cannot be opened: \(reason). Check that its directory exists and is "
                + "writable.", isUserError: false)
    }

    static func tls(reason: String) -> BridgeStartupError {
        BridgeStartupError(description: "TLS: \(reason)", isUserError: true)
    }

    static func listen(reason: String) -> BridgeStartupError {
        BridgeStartupError(description: reason, isUserError: false)
    }
}
