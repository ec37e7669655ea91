/// An error that is every problem found in a file, each with its place: a configuration, a mapping, the senders.
public protocol DiagnosticsError: Error, CustomStringConvertible {
    /// The problems, in file order.
    var diagnostics: [Diagnostic] { get }
}

extension DiagnosticsError {
    /// One `FILE:LINE:COLUMN: message` line per problem.
    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
