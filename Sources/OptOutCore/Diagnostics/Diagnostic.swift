import JSON

/// One problem found in a file, in the form compilers use: `FILE:LINE:COLUMN: message`.
///
/// Loading the configuration or the mapping collects every problem as a diagnostic instead of stopping at the
/// first, so that `optout-bridge check` can show them all at once.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// How bad a problem is: an error makes the file unusable, a warning does not.
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    /// Whether the file is unusable because of this problem.
    public var severity: Severity
    /// The file as the user named it (not made absolute), or a pseudo-name such as an environment variable.
    public var file: String
    /// Where in the file, when the problem has a place.
    public var position: SourcePosition?
    /// What is wrong and, where possible, what to do. Never contains a secret.
    public var message: String

    /// Creates a diagnostic.
    public init(severity: Severity = .error, file: String, position: SourcePosition?, message: String) {
        self.severity = severity
        self.file = file
        self.position = position
        self.message = message
    }

    /// An error diagnostic.
    public static func error(_ message: String, file: String, at position: SourcePosition?) -> Diagnostic {
        Diagnostic(severity: .error, file: file, position: position, message: message)
    }

    /// A warning diagnostic.
    public static func warning(_ message: String, file: String, at position: SourcePosition?) -> Diagnostic {
        Diagnostic(severity: .warning, file: file, position: position, message: message)
    }

    /// ``description`` with `warning: ` before a warning's message, as compilers print them, for a line that a
    /// person reads among errors; an error's line is its ``description``.
    public var labelled: String {
        guard severity == .warning else { return description }
        return Diagnostic(file: file, position: position, message: "warning: " + message).description
    }

    /// `FILE:LINE:COLUMN: message`, or `FILE: message` without a position. The severity is not part of it.
    public var description: String {
        if let position {
            return "\(file):\(position.line):\(position.column): \(message)"
        }
        return "\(file): \(message)"
    }
}
