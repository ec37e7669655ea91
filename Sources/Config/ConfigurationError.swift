import OptOutCore

/// Why a configuration cannot be used: every problem found, each with its file, line and column.
public struct ConfigurationError: DiagnosticsError, Sendable, Hashable {
    /// The problems, in file order. Messages never contain a secret.
    public var diagnostics: [Diagnostic]
}
