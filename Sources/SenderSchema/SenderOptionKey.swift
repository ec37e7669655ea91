/// One key of a sender type's configuration entry: its name, the kind of value it holds, whether it must be given,
/// and whether its value is a secret.
///
/// Each sender type declares its keys once. The configuration reports a key that no declaration names, with the
/// nearest declared one; the sender's options check each declared value's kind before the type reads it, and hand a
/// secret out only as `Secret`, which no log, description or dump shows.
public struct SenderOptionKey: Sendable, Hashable, CustomStringConvertible {
    /// What a key's value must be.
    public enum Kind: Sendable, Hashable {
        /// A non-empty string.
        case string
        /// An array of non-empty strings.
        case strings
        /// `true` or `false`.
        case bool
        /// Any JSON value, whose shape the sender type checks itself (`fields`, `when`, `hmac`).
        case json
    }

    /// The key as written in the entry, e.g. `publicURL`.
    public var name: String
    public var kind: Kind
    /// Whether an entry without the key is an error.
    public var isRequired: Bool
    /// Whether the value is a secret, or a list of them: never shown, and read only as `Secret`.
    public var isSecret: Bool
    /// What the value looks like, added to the message about a missing required key.
    public var hint: String?

    /// Creates a key; the static functions below name the usual combinations.
    public init(_ name: String, kind: Kind, required: Bool, secret: Bool = false, hint: String? = nil) {
        self.name = name
        self.kind = kind
        self.isRequired = required
        self.isSecret = secret
        self.hint = hint
    }

    /// A non-empty string that is no secret, such as a URL.
    public static func string(_ name: String, required: Bool = false) -> SenderOptionKey {
        SenderOptionKey(name, kind: .string, required: required)
    }

    /// A secret string; required unless said otherwise, since most types authenticate with it.
    public static func secret(_ name: String, required: Bool = true) -> SenderOptionKey {
        SenderOptionKey(name, kind: .string, required: required, secret: true)
    }

    /// An array of non-empty strings that are no secrets.
    public static func strings(_ name: String, required: Bool = false) -> SenderOptionKey {
        SenderOptionKey(name, kind: .strings, required: required)
    }

    /// An array of secrets, such as the old and the new secret during a rotation.
    public static func secrets(_ name: String, required: Bool = true) -> SenderOptionKey {
        SenderOptionKey(name, kind: .strings, required: required, secret: true)
    }

    /// `true` or `false`; absent means the type's default.
    public static func bool(_ name: String) -> SenderOptionKey {
        SenderOptionKey(name, kind: .bool, required: false)
    }

    /// A value of any shape, checked by the sender type itself.
    public static func json(_ name: String, required: Bool = false, hint: String? = nil) -> SenderOptionKey {
        SenderOptionKey(name, kind: .json, required: required, hint: hint)
    }

    /// The key's name, and what it is: `secret (required secret string)`.
    public var description: String {
        let kind: String
        switch self.kind {
        case .string: kind = "string"
        case .strings: kind = "array of strings"
        case .bool: kind = "Boolean"
        case .json: kind = "JSON value"
        }
        return "\(name) (\(isRequired ? "required" : "optional")\(isSecret ? " secret" : "") \(kind))"
    }
}
