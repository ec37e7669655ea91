/// An RFC 6901 JSON pointer, such as `/properties/email` or `/events/0/id`.
///
/// Parse pointers once (at configuration time) and evaluate them with ``JSONValue/at(pointer:)-(JSONPointer)``.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The reference tokens, unescaped (`~1` is `/`, `~0` is `~`). Empty for the whole document.
    public let tokens: [String]

    /// Parses a pointer: empty (the whole document) or a sequence of `/token`.
    public init(_ text: String) throws(JSONPointerError) {
        guard !text.isEmpty else {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw JSONPointerError(pointer: text, reason: "a JSON pointer is empty or starts with '/'")
        }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var iterator = raw.makeIterator()
            while let character = iterator.next() {
                guard character == "~" else {
                    token.append(character)
                    continue
                }
                switch iterator.next() {
                case "0": token.append("~")
                case "1": token.append("/")
                default:
                    throw JSONPointerError(pointer: text, reason: "'~' must be followed by '0' or '1'")
                }
            }
            tokens.append(token)
        }
        self.tokens = tokens
    }

    /// Creates a pointer from unescaped tokens.
    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// The pointer in its textual form, escaped.
    public var description: String {
        tokens.map { "/" + $0.replacingOccurrences("~", with: "~0").replacingOccurrences("/", with: "~1") }.joined()
    }

    /// The array index that `token` denotes: `0` or a decimal without leading zeros; not `-`.
    static func arrayIndex(_ token: String) -> Int? {
        let utf8 = token.utf8
        guard let first = utf8.first, utf8.allSatisfy(isDigit), first != UInt8(ascii: "0") || utf8.count == 1 else {
            return nil
        }
        return Int(token)
    }
}

/// Why a text is not a JSON pointer.
public struct JSONPointerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text that was given.
    public var pointer: String
    /// What is wrong with it.
    public var reason: String

    public var description: String { "invalid JSON pointer '\(pointer)': \(reason)" }
}

extension String {
    /// Replaces every occurrence of `target`, without Foundation.
    fileprivate func replacingOccurrences(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var result = ""
        for character in self {
            if character == target {
                result += replacement
            } else {
                result.append(character)
            }
        }
        return result
    }
}
