/// Writes compact JSON (RFC 8259) into a byte buffer: the one way the project writes JSON.
///
/// Commas are placed by the writer, strings are escaped as the RFC requires (`"`, `\`, and control characters,
/// DEL too, so that a log line never carries a raw terminal control; everything else, non-ASCII included, is written
/// as UTF-8), and members come out in the order written, so that a
/// caller decides the order once. Nothing is checked beyond that: writing a key outside an object, or a value
/// without its key, gives text that is not JSON, which the tests of each document catch.
///
/// ```swift
/// var json = JSONWriter()
/// json.object {
///     $0.member("status", "deleted")
///     $0.member("ids") { $0.array(["01J…"]) }
/// }
/// json.bytes  // {"status":"deleted","ids":["01J…"]}
/// ```
public struct JSONWriter: Sendable {
    /// The text written so far, UTF-8.
    public private(set) var bytes: [UInt8]
    /// Whether the next key or value follows another one in its container, and so needs a comma first.
    private var needsComma = false

    /// A writer with room for `capacity` bytes before it grows.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// The text written so far.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    // MARK: Containers

    /// Writes an object whose members `body` writes.
    public mutating func object(_ body: (inout JSONWriter) throws -> Void) rethrows {
        try container(UInt8(ascii: "{"), UInt8(ascii: "}"), body)
    }

    /// Writes an array whose elements `body` writes.
    public mutating func array(_ body: (inout JSONWriter) throws -> Void) rethrows {
        try container(UInt8(ascii: "["), UInt8(ascii: "]"), body)
    }

    private mutating func container(_ open: UInt8, _ close: UInt8, _ body: (inout JSONWriter) throws -> Void) rethrows {
        separate()
        bytes.append(open)
        needsComma = false
        try body(&self)
        bytes.append(close)
        needsComma = true
    }

    /// Writes an array of strings.
    public mutating func array(_ strings: some Sequence<String>) {
        array { json in
            for string in strings { json.string(string) }
        }
    }

    /// Writes a member's key; its value is what is written next.
    public mutating func key(_ key: String) {
        separate()
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: Members

    /// Writes a member whose value `body` writes (an object, an array, or any one value).
    public mutating func member(_ key: String, _ body: (inout JSONWriter) throws -> Void) rethrows {
        self.key(key)
        try body(&self)
    }

    /// Writes a string member; nothing when `value` is nil.
    public mutating func member(_ key: String, _ value: String?) { member(key, value) { $0.string($1) } }

    /// Writes an integer member; nothing when `value` is nil.
    public mutating func member(_ key: String, _ value: Int?) { member(key, value) { $0.int($1) } }

    /// Writes a number member; nothing when `value` is nil.
    public mutating func member(_ key: String, _ value: Double?) { member(key, value) { $0.double($1) } }

    /// Writes a boolean member; nothing when `value` is nil.
    public mutating func member(_ key: String, _ value: Bool?) { member(key, value) { $0.bool($1) } }

    /// Writes a member whose value is an array of strings; nothing when `value` is nil.
    public mutating func member(_ key: String, _ value: [String]?) { member(key, value) { $0.array($1) } }

    /// Writes a member whose value is an object of string arrays, such as a problem's `errors` by field, its keys
    /// sorted so that the text does not depend on the dictionary's order; nothing when `value` is nil.
    public mutating func member(_ key: String, _ value: [String: [String]]?) {
        member(key, value) { json, lists in
            json.object { json in
                for name in lists.keys.sorted() { json.member(name, lists[name]) }
            }
        }
    }

    private mutating func member<Value>(_ key: String, _ value: Value?, _ write: (inout JSONWriter, Value) -> Void) {
        guard let value else { return }
        self.key(key)
        write(&self, value)
    }

    /// Writes a `null` member.
    public mutating func nullMember(_ key: String) {
        self.key(key)
        null()
    }

    // MARK: Values

    /// Writes a string.
    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    /// Writes an integer.
    public mutating func int(_ value: some BinaryInteger) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// Writes a number; a value that JSON cannot hold (infinite, NaN) is written as `null`.
    public mutating func double(_ value: Double) {
        separate()
        if !value.isFinite {
            bytes.append(contentsOf: "null".utf8)
        } else if value == value.rounded(), abs(value) < 1e15 {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
        needsComma = true
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
        needsComma = true
    }

    /// Writes `null`.
    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
        needsComma = true
    }

    /// Writes a number given as its JSON literal (a parsed number, kept to the digit).
    public mutating func number(literal: String) {
        separate()
        bytes.append(contentsOf: literal.utf8)
        needsComma = true
    }

    /// Writes a value that is already JSON text, such as a document this writer wrote and someone stored.
    public mutating func raw(_ json: some Sequence<UInt8>) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Writes a parsed value: numbers keep their literal, objects their members in order, duplicates included.
    public mutating func value(_ value: JSONValue) {
        switch value.kind {
        case .null: null()
        case .bool(let flag): bool(flag)
        case .number(let literal): number(literal: literal)
        case .string(let text): string(text)
        case .array(let elements):
            array { json in
                for element in elements { json.value(element) }
            }
        case .object(let members):
            object { json in
                for member in members {
                    json.key(member.key)
                    json.value(member.value)
                }
            }
        }
    }

    // MARK: Text

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    /// Appends `string` as a JSON string literal; a string with nothing to escape is copied whole.
    private mutating func appendQuoted(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var start = 0
            for index in utf8.indices {
                let byte = utf8[index]
                guard byte < 0x20 || byte == 0x7F || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                    continue
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                appendEscaped(byte)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscaped(_ byte: UInt8) {
        switch byte {
        case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
        case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
        case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
        case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
        case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
        default:
            bytes.append(contentsOf: #"\u00"#.utf8)
            bytes.append(contentsOf: hex(UInt32(byte), digits: 2).lowercased().utf8)
        }
    }
}

extension JSONWriter {
    /// The JSON text of one value that `body` writes, as bytes.
    public static func bytes(capacity: Int = 256, _ body: (inout JSONWriter) throws -> Void) rethrows -> [UInt8] {
        var json = JSONWriter(capacity: capacity)
        try body(&json)
        return json.bytes
    }

    /// The JSON text of one value that `body` writes.
    public static func text(capacity: Int = 256, _ body: (inout JSONWriter) throws -> Void) rethrows -> String {
        String(decoding: try bytes(capacity: capacity, body), as: UTF8.self)
    }

    /// A compact JSON array of strings, `["email:a@b.c","hubspot:1"]`, as a column or a CSV cell holds one.
    public static func arrayText(_ strings: some Sequence<String>) -> String {
        text { $0.array(strings) }
    }
}
