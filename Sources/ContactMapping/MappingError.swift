import OptOutCore

/// Why a mapping file cannot be used: every problem found, each with its file, line and column.
public struct MappingError: DiagnosticsError, Sendable, Hashable {
    /// The problems, in file order; all of severity error.
    public var diagnostics: [Diagnostic]
}
