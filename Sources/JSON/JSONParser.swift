/// A strict RFC 8259 JSON parser that keeps the position of every value.
///
/// It rejects what lenient parsers let through: invalid UTF-8, unescaped control characters, lone surrogates,
/// trailing commas, leading zeros, `NaN`, comments and anything after the value. A leading UTF-8 byte order mark
/// is skipped, as RFC 8259 §8.1 allows. Nesting is limited (``defaultMaximumDepth``), and the tree is built
/// without recursion, so hostile input can neither overflow the stack nor make the parser allocate without bound
/// per byte.
///
/// ```swift
/// let value = try JSONParser.parse(Array(#"{"event": "unsubscribe"}"#.utf8))
/// value["event"]?.asString   // "unsubscribe"
/// ```
public enum JSONParser {
    /// The nesting limit used unless a caller gives another.
    public static let defaultMaximumDepth = 512

    /// Parses one JSON text.
    ///
    /// - Parameters:
    ///   - bytes: the UTF-8 text.
    ///   - maximumDepth: the deepest nesting of arrays and objects accepted.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONSyntaxError) -> JSONValue {
        var scanner = JSONScanner(bytes: bytes.assumingMemoryBound(to: UInt8.self), maximumDepth: maximumDepth)
        scanner.skipWhitespace()
        let value = try scanner.readValue()
        try scanner.expectEnd()
        return value
    }

    /// Parses one JSON text.
    public static func parse(
        _ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONSyntaxError) -> JSONValue {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONSyntaxError) in try parse(buffer, maximumDepth: maximumDepth) }
        }
        return try result.get()
    }

    /// Parses one JSON text given as a string.
    public static func parse(
        _ text: String, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONSyntaxError) -> JSONValue {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }

    /// The strings of a JSON array of strings, such as ``JSONWriter/arrayText(_:)`` writes; nil for any other text.
    public static func strings(_ text: String) -> [String]? {
        guard let elements = try? parse(text).asArray else { return nil }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for element in elements {
            guard let string = element.asString else { return nil }
            strings.append(string)
        }
        return strings
    }
}
