import JSON
import OptOutCore

/// One entry of `senders`: a webhook source served at `POST /hooks/{name}`.
///
/// The entry was checked against its type's `SenderSchema`: every key is one the type declares, each once. Each
/// sender type reads its own keys from ``options``, the whole JSON object of the entry with positions, so that it
/// can report a problem as `FILE:LINE:COLUMN` through ``diagnostic(_:at:)``. `env:` and `file:` references in its
/// strings are already resolved, once, here, so ``options`` may hold secrets: descriptions, `dump` and mirrors
/// show only the option names.
public struct SenderConfiguration: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// Unique, `[a-z0-9-]+`; also the namespace of this sender's CRM ids in the mapping (`hubspot:1246965`).
    public var name: String
    /// One of the sender types the configuration was loaded with: picks the decoder, the authentication and the
    /// response dialect.
    public var type: String
    /// The entry's whole object (`name` and `type` included), references resolved.
    public var options: JSONValue
    /// Where the entry starts in ``file``.
    public var position: SourcePosition
    /// The configuration file, as named, for diagnostics.
    public var file: String

    /// Creates a sender; `options` defaults to an object holding only `name` and `type`.
    public init(
        name: String, type: String, options: JSONValue? = nil,
        position: SourcePosition = SourcePosition(line: 1, column: 1),
        file: String = "<memory>"
    ) {
        self.name = name
        self.type = type
        self.options =
            options
            ?? JSONValue(
                .object([
                    JSONMember(key: "name", value: JSONValue(.string(name))),
                    JSONMember(key: "type", value: JSONValue(.string(type))),
                ]))
        self.position = position
        self.file = file
    }

    /// The option named `key`, if present.
    public subscript(key: String) -> JSONValue? {
        options[key]
    }

    /// A diagnostic about this sender, placed at `value` (an option) or else at the entry.
    public func diagnostic(_ message: String, at value: JSONValue? = nil, severity: Diagnostic.Severity = .error)
        -> Diagnostic
    {
        Diagnostic(severity: severity, file: file, position: value?.position ?? position, message: message)
    }

    /// The names of the options set, without values.
    public var optionNames: [String] {
        (options.asObject ?? []).map(\.key).filter { $0 != "name" && $0 != "type" }
    }

    /// `SenderConfiguration(name: …, type: …, options: [keys])`, without option values.
    public var description: String {
        "SenderConfiguration(name: \(name), type: \(type), options: [\(optionNames.joined(separator: ", "))])"
    }

    /// The same as ``description``.
    public var debugDescription: String { description }

    /// Name, type and option names only.
    public var customMirror: Mirror {
        Mirror(self, children: ["name": name, "type": type, "options": optionNames], displayStyle: .struct)
    }
}
