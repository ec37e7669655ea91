/// A JSON value together with the place where it starts in its source text.
///
/// Produced by ``JSONParser``. Objects keep their members in source order, duplicates included, so that callers
/// can report a duplicate key instead of silently losing one. Numbers keep their literal text, so that no
/// precision is lost before the caller decides what the number means (see ``doubleValue`` and ``intValue``).
///
/// Equality and hashing are structural: positions are ignored, and two numbers are equal when their literal text
/// or their `Double` values are equal (`1` equals `1.0`).
public struct JSONValue: Sendable, Hashable {
    /// The value itself.
    public enum Kind: Sendable {
        case null
        case bool(Bool)
        /// The number's literal text, exactly as in the source (for example `-12.5e3`).
        case number(String)
        case string(String)
        case array([JSONValue])
        /// The members in source order, duplicate keys kept.
        case object([JSONMember])
    }

    /// The value.
    public var kind: Kind
    /// Where the value starts in the source (for a string, its opening quote).
    public var position: SourcePosition

    /// Creates a value; values built in code usually sit at 1:1.
    public init(_ kind: Kind, position: SourcePosition = SourcePosition(line: 1, column: 1)) {
        self.kind = kind
        self.position = position
    }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs.kind, rhs.kind) {
        case (.null, .null):
            return true
        case (.bool(let a), .bool(let b)):
            return a == b
        case (.number(let a), .number(let b)):
            return a == b || Double(a) == Double(b)
        case (.string(let a), .string(let b)):
            return a == b
        case (.array(let a), .array(let b)):
            return a == b
        case (.object(let a), .object(let b)):
            return a == b
        default:
            return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch kind {
        case .null:
            hasher.combine(0)
        case .bool(let value):
            hasher.combine(1)
            hasher.combine(value)
        case .number(let literal):
            hasher.combine(2)
            hasher.combine(Double(literal) ?? 0)
        case .string(let value):
            hasher.combine(3)
            hasher.combine(value)
        case .array(let elements):
            hasher.combine(4)
            hasher.combine(elements)
        case .object(let members):
            hasher.combine(5)
            hasher.combine(members)
        }
    }
}

extension JSONValue {
    /// A string value, for values built in code: `JSONValue.string("Ada")`.
    public static func string(_ text: String) -> JSONValue { JSONValue(.string(text)) }

    /// An integer value, for values built in code.
    public static func integer(_ value: some BinaryInteger) -> JSONValue { JSONValue(.number(String(value))) }
}
