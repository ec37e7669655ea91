import OptOutCore

/// Why a mapping file cannot be used: every problem found, each with its file, line and column.
public struct MappingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The problems, in file order; all of severity error.
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
