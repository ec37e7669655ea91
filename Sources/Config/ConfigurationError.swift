import OptOutCore

/// Why a configuration cannot be used: every problem found, each with its file, line and column.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problems, in file order. Messages never contain a secret.
    public var diagnostics: [Diagnostic]

    /// Creates an error.
    public init(diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    /// One `FILE:LINE:COLUMN: message` line per problem.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
