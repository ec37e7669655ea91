/// The byte-level reader under ``JSONParser`` and the mapping loader.
///
/// It works on UTF-8 bytes only: no `Character` iteration and no `String` is built unless a caller asks for one.
/// Lines and columns are tracked as it goes: newlines can only occur in whitespace (strings reject raw control
/// characters), and multi-byte characters only in strings, where the continuation bytes are counted so that a
/// column is a count of Unicode scalars.
///
/// The structural primitives (``enterObject()``, ``readKey()``, ``nextMember()``, ``enterArray()``,
/// ``nextElement()``) let a caller walk a document of known shape without building a tree, which is what keeps
/// the mapping loader fast and small. ``readValue()`` builds a ``JSONValue`` tree iteratively, so hostile nesting
/// cannot overflow the stack; ``maximumDepth`` bounds the memory it may take.
package struct JSONScanner: ~Copyable {
    /// Where a scanned string's bytes are: in the input (no escapes) or in ``scratch``.
    package enum StringSpan {
        case input(Range<Int>)
        case scratch
    }

    package let bytes: UnsafeBufferPointer<UInt8>
    package let maximumDepth: Int
    /// Offset of the next byte to read.
    package var index = 0
    /// Current nesting of arrays and objects.
    private(set) var depth = 0
    /// Decoded bytes of the last string that had escapes.
    private(set) var scratch: [UInt8] = []
    private var line = 1
    private var lineStart = 0
    /// Continuation bytes of multi-byte characters between `lineStart` and `index`.
    private var continuationBytes = 0

    package init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        // RFC 8259 §8.1 lets a parser ignore a byte order mark; editors on Windows like to add one.
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            index = 3
            lineStart = 3
        }
        scratch.reserveCapacity(64)
    }

    /// A scanner that starts at `offset`, inside `depth` open containers, and counts lines and columns from there:
    /// the byte at `offset` is line 1, column 1. ``ScanPoint/absolute(from:)`` and
    /// ``ScanPoint/absolute(_:from:)`` turn what it reports into positions in the whole input, once the position of
    /// `offset` is known.
    package init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int, resumingAt offset: Int, depth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
        index = offset
        lineStart = offset
        self.depth = depth
        scratch.reserveCapacity(64)
    }

    /// Where the scanner is, with what it needs to go on counting lines and columns.
    package struct ScanPoint: Sendable {
        package var index: Int
        package var depth: Int
        package var line: Int
        package var lineStart: Int
        package var continuationBytes: Int

        /// The position of ``index``.
        package var position: SourcePosition {
            SourcePosition(line: line, column: index - lineStart - continuationBytes + 1)
        }

        /// This point, counted by a scanner resumed at `origin` (see ``init(bytes:maximumDepth:resumingAt:depth:)``),
        /// as a scanner that read everything before `origin` would count it.
        package func absolute(from origin: ScanPoint) -> ScanPoint {
            guard line == 1 else {
                return ScanPoint(
                    index: index, depth: depth, line: origin.line + line - 1, lineStart: lineStart,
                    continuationBytes: continuationBytes)
            }
            return ScanPoint(
                index: index, depth: depth, line: origin.line, lineStart: origin.lineStart,
                continuationBytes: origin.continuationBytes + continuationBytes)
        }

        /// A position reported by a scanner resumed at `origin`, as a position in the whole input.
        package static func absolute(_ position: SourcePosition, from origin: ScanPoint) -> SourcePosition {
            guard position.line == 1 else {
                return SourcePosition(line: origin.line + position.line - 1, column: position.column)
            }
            return SourcePosition(line: origin.line, column: origin.position.column + position.column - 1)
        }
    }

    /// Where the scanner is now.
    package var point: ScanPoint {
        ScanPoint(
            index: index, depth: depth, line: line, lineStart: lineStart, continuationBytes: continuationBytes)
    }

    /// Moves the scanner to `point`, as if it had read everything up to it.
    package mutating func resume(at point: ScanPoint) {
        index = point.index
        depth = point.depth
        line = point.line
        lineStart = point.lineStart
        continuationBytes = point.continuationBytes
    }

    // MARK: Positions and errors

    /// The position of `offset`, which must be on the current line and not before `index`'s counted bytes.
    @inline(__always)
    package func position(at offset: Int) -> SourcePosition {
        SourcePosition(line: line, column: offset - lineStart - continuationBytes + 1)
    }

    /// The position of the next byte.
    @inline(__always)
    package var currentPosition: SourcePosition { position(at: index) }

    /// Whether every byte has been read.
    package var isAtEnd: Bool { index >= bytes.count }

    /// The next byte, if any.
    @inline(__always)
    package var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    package func error(_ message: String, at offset: Int) -> JSONSyntaxError {
        JSONSyntaxError(message: message, position: position(at: offset), offset: offset)
    }

    /// An error for the byte at `offset` when `expected` was wanted there (or for the end of the input).
    package func unexpected(at offset: Int, expected: String) -> JSONSyntaxError {
        guard offset < bytes.count else {
            return error("unexpected end of input; expected \(expected)", at: offset)
        }
        let byte = bytes[offset]
        let hint: String
        switch byte {
        case UInt8(ascii: "'"):
            hint = "; strings must be in double quotes"
        case UInt8(ascii: "/"), UInt8(ascii: "#"):
            hint = "; JSON has no comments"
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            hint = "; NaN and Infinity are not JSON numbers"
        case UInt8(ascii: "+"), UInt8(ascii: "."):
            hint = "; a number starts with '-' or a digit"
        default:
            hint = ""
        }
        return error("unexpected \(describeByte(at: offset)); expected \(expected)\(hint)", at: offset)
    }

    /// A readable name for the byte (or character) at `offset`.
    package func describeByte(at offset: Int) -> String {
        let byte = bytes[offset]
        if byte < 0x20 || byte == 0x7F {
            return "control character U+\(hex(UInt32(byte), digits: 4))"
        }
        if byte < 0x80 {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        if let length = utf8SequenceLength(at: offset) {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<offset + length]), as: UTF8.self)
            let scalar = text.unicodeScalars.first.map { $0.value } ?? 0
            return "'\(text)' (U+\(hex(scalar, digits: 4)))"
        }
        return "invalid UTF-8 byte 0x\(hex(UInt32(byte), digits: 2))"
    }

    // MARK: Whitespace

    /// Skips JSON whitespace (space, tab, CR, LF), counting lines.
    @inline(__always)
    package mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09:
                index += 1
            case 0x0A:
                index += 1
                newLine()
            case 0x0D:
                index += 1
                // A CR followed by LF is one line break, counted at the LF.
                if index >= bytes.count || bytes[index] != 0x0A {
                    newLine()
                }
            default:
                return
            }
        }
    }

    @inline(__always)
    private mutating func newLine() {
        line += 1
        lineStart = index
        continuationBytes = 0
    }

    /// Throws unless only whitespace is left.
    package mutating func expectEnd() throws(JSONSyntaxError) {
        skipWhitespace()
        if index < bytes.count {
            throw error("unexpected \(describeByte(at: index)) after the JSON value", at: index)
        }
    }

    // MARK: Structure

    /// Consumes the opening bracket at ``index``; `false` when `closing` follows and the container was consumed
    /// whole.
    @inline(__always)
    private mutating func enter(closing: UInt8) throws(JSONSyntaxError) -> Bool {
        depth += 1
        if depth > maximumDepth {
            throw error("arrays and objects are nested deeper than \(maximumDepth) levels", at: index)
        }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == closing {
            index += 1
            depth -= 1
            return false
        }
        return true
    }

    /// Consumes the `{` at ``index``. Returns `true` when the object has a member, positioned at its key;
    /// `false` when it was empty and has been consumed whole.
    package mutating func enterObject() throws(JSONSyntaxError) -> Bool {
        try enter(closing: UInt8(ascii: "}"))
    }

    /// Reads a member's key and its `:`, leaving ``index`` at the value.
    package mutating func readKey() throws(JSONSyntaxError) -> (span: StringSpan, position: SourcePosition) {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
            throw unexpected(at: index, expected: "a member name in double quotes")
        }
        let position = currentPosition
        let span = try scanString()
        skipWhitespace()
        guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
            throw unexpected(at: index, expected: "':' after the member name")
        }
        index += 1
        skipWhitespace()
        return (span, position)
    }

    /// After a member's value: consumes `,` and returns `true` (positioned at the next key), or consumes `}` and
    /// returns `false`.
    package mutating func nextMember() throws(JSONSyntaxError) -> Bool {
        try next(closing: UInt8(ascii: "}"), after: "an object member")
    }

    /// Consumes the `[` at ``index``. Returns `true` when the array has an element, positioned at it;
    /// `false` when it was empty and has been consumed whole.
    package mutating func enterArray() throws(JSONSyntaxError) -> Bool {
        try enter(closing: UInt8(ascii: "]"))
    }

    /// After an element: consumes `,` and returns `true` (positioned at the next element), or consumes `]` and
    /// returns `false`.
    package mutating func nextElement() throws(JSONSyntaxError) -> Bool {
        try next(closing: UInt8(ascii: "]"), after: "an array element")
    }

    /// After a member or an element: consumes `,` and returns `true`, or consumes `closing` and returns `false`.
    @inline(__always)
    private mutating func next(closing: UInt8, after item: StaticString) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        guard index < bytes.count else {
            throw unexpected(at: index, expected: "',' or '\(Character(Unicode.Scalar(closing)))'")
        }
        switch bytes[index] {
        case UInt8(ascii: ","):
            // Placed before the whitespace after it is skipped, which may cross lines.
            let comma = (offset: index, position: currentPosition)
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == closing {
                throw JSONSyntaxError(
                    message: "trailing comma before '\(Character(Unicode.Scalar(closing)))'", position: comma.position,
                    offset: comma.offset)
            }
            return true
        case closing:
            index += 1
            depth -= 1
            return false
        default:
            throw unexpected(at: index, expected: "',' or '\(Character(Unicode.Scalar(closing)))' after \(item)")
        }
    }

    // MARK: Strings

    /// Reads the string whose opening quote is at ``index``, validating escapes and UTF-8.
    package mutating func scanString() throws(JSONSyntaxError) -> StringSpan {
        let quote = index
        let quoteContinuations = continuationBytes
        let start = index + 1
        var i = start
        while i < bytes.count {
            // Eight bytes at a time while none of them needs a look (the common case: plain ASCII text).
            while i + 8 <= bytes.count,
                !JSONScanner.needsAttention(
                    UnsafeRawPointer(bytes.baseAddress! + i).loadUnaligned(as: UInt64.self))
            {
                i += 8
            }
            guard i < bytes.count else { break }
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                index = i + 1
                return .input(start..<i)
            }
            if byte == UInt8(ascii: "\\") {
                return try scanEscapedString(start: start, escape: i, quote: quote, quoteContinuations)
            }
            if byte < 0x20 {
                throw controlCharacterInString(at: i)
            }
            if byte >= 0x80 {
                i = try skipMultiByteCharacter(at: i)
            } else {
                i += 1
            }
        }
        throw unterminatedString(quote: quote, quoteContinuations)
    }

    /// Whether any of the eight bytes is a quote, a backslash, a control character or not ASCII.
    ///
    /// The classic SWAR tests: `(x - 0x01…) & ~x & 0x80…` is non-zero when a byte of `x` is zero, and
    /// `(x - 0x20…) & ~x & 0x80…` when a byte is below 0x20 (exact while no byte has its top bit set, and a set top
    /// bit is caught by the last term anyway).
    @inline(__always)
    package static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote
        let zeroBackslash = (backslash &- ones) & ~backslash
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | control | word) & high != 0
    }

    /// The slow path of ``scanString()``: decodes into ``scratch`` from the first backslash on.
    private mutating func scanEscapedString(
        start: Int, escape: Int, quote: Int, _ quoteContinuations: Int
    ) throws(JSONSyntaxError) -> StringSpan {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<escape]))
        var i = escape
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                index = i + 1
                return .scratch
            }
            if byte == UInt8(ascii: "\\") {
                i = try decodeEscape(at: i)
            } else if byte < 0x20 {
                throw controlCharacterInString(at: i)
            } else if byte >= 0x80 {
                let next = try skipMultiByteCharacter(at: i)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<next]))
                i = next
            } else {
                scratch.append(byte)
                i += 1
            }
        }
        throw unterminatedString(quote: quote, quoteContinuations)
    }

    /// Decodes the escape sequence at `offset` (a backslash) into ``scratch``; returns the offset after it.
    private mutating func decodeEscape(at offset: Int) throws(JSONSyntaxError) -> Int {
        guard offset + 1 < bytes.count else {
            throw error("unterminated escape sequence", at: offset)
        }
        let simple: UInt8
        switch bytes[offset + 1] {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            return try decodeUnicodeEscape(at: offset)
        default:
            throw error(
                "invalid escape: backslash before \(describeByte(at: offset + 1)); valid escapes are "
                    + #"\" \\ \/ \b \f \n \r \t \uXXXX"#,
                at: offset)
        }
        scratch.append(simple)
        return offset + 2
    }

    /// Decodes `\uXXXX`, or a surrogate pair `\uD8xx\uDCxx`, at `offset`; returns the offset after it.
    private mutating func decodeUnicodeEscape(at offset: Int) throws(JSONSyntaxError) -> Int {
        let first = try hexQuad(at: offset + 2, escape: offset)
        var scalarValue = first
        var end = offset + 6
        if (0xD800...0xDBFF).contains(first) {
            guard end + 1 < bytes.count, bytes[end] == UInt8(ascii: "\\"), bytes[end + 1] == UInt8(ascii: "u") else {
                throw error(
                    "unpaired surrogate \\u\(hex(first, digits: 4)): a high surrogate needs a low one after it",
                    at: offset)
            }
            let second = try hexQuad(at: end + 2, escape: end)
            guard (0xDC00...0xDFFF).contains(second) else {
                throw error(
                    "unpaired surrogate \\u\(hex(first, digits: 4)): \\u\(hex(second, digits: 4)) "
                        + "is not a low surrogate", at: offset)
            }
            scalarValue = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            end += 6
        } else if (0xDC00...0xDFFF).contains(first) {
            throw error(
                "unpaired surrogate \\u\(hex(first, digits: 4)): a low surrogate without a high one",
                at: offset)
        }
        // Every value outside the surrogate range is a valid scalar.
        let scalar = Unicode.Scalar(scalarValue) ?? "\u{FFFD}"
        scratch.append(contentsOf: scalar.utf8)
        return end
    }

    /// The value of four hex digits at `offset`, part of the escape at `escape`.
    private func hexQuad(at offset: Int, escape: Int) throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for i in offset..<offset + 4 {
            guard i < bytes.count, let digit = hexDigitValue(bytes[i]) else {
                throw error("invalid \\u escape: expected 4 hexadecimal digits", at: escape)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private func controlCharacterInString(at offset: Int) -> JSONSyntaxError {
        if bytes[offset] == 0x0A || bytes[offset] == 0x0D {
            return error("line break in a string (is a closing quote missing?); write it as \\n", at: offset)
        }
        return error(
            "control character U+\(hex(UInt32(bytes[offset]), digits: 4)) in a string must be escaped",
            at: offset)
    }

    private func unterminatedString(quote: Int, _ quoteContinuations: Int) -> JSONSyntaxError {
        let position = SourcePosition(line: line, column: quote - lineStart - quoteContinuations + 1)
        return JSONSyntaxError(message: "unterminated string", position: position, offset: quote)
    }

    /// Validates the UTF-8 sequence at `offset` (a byte ≥ 0x80) and returns the offset after it.
    @inline(__always)
    private mutating func skipMultiByteCharacter(at offset: Int) throws(JSONSyntaxError) -> Int {
        guard let length = utf8SequenceLength(at: offset) else {
            throw error("invalid UTF-8 byte 0x\(hex(UInt32(bytes[offset]), digits: 2)) in a string", at: offset)
        }
        continuationBytes += length - 1
        return offset + length
    }

    /// The length (2 to 4) of the well-formed UTF-8 sequence starting at `offset`, or `nil`.
    ///
    /// Follows the table of well-formed sequences in the Unicode standard (§3.9, table 3-7): no overlong forms, no
    /// surrogates, nothing above U+10FFFF.
    package func utf8SequenceLength(at offset: Int) -> Int? {
        let lead = bytes[offset]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF:
            length = 2
        case 0xE0:
            length = 3
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF:
            length = 3
        case 0xED:
            length = 3
            high = 0x9F
        case 0xF0:
            length = 4
            low = 0x90
        case 0xF1...0xF3:
            length = 4
        case 0xF4:
            length = 4
            high = 0x8F
        default:
            return nil
        }
        guard offset + length <= bytes.count else { return nil }
        let second = bytes[offset + 1]
        guard second >= low, second <= high else { return nil }
        var i = offset + 2
        while i < offset + length {
            guard bytes[i] & 0xC0 == 0x80 else { return nil }
            i += 1
        }
        return length
    }

    /// Calls `body` with the bytes of a scanned string.
    @inline(__always)
    package func withBytes<R>(of span: StringSpan, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        switch span {
        case .input(let range):
            return body(UnsafeBufferPointer(rebasing: bytes[range]))
        case .scratch:
            return scratch.withUnsafeBufferPointer(body)
        }
    }

    /// The scanned string as a `String`.
    package func string(of span: StringSpan) -> String {
        withBytes(of: span) { String(decoding: $0, as: UTF8.self) }
    }

    // MARK: Scalars

    /// Reads the number at ``index`` (RFC 8259 grammar) and returns the range of its literal.
    package mutating func scanNumber() throws(JSONSyntaxError) -> Range<Int> {
        let start = index
        var i = index
        if bytes[i] == UInt8(ascii: "-") {
            i += 1
        }
        guard i < bytes.count else {
            throw error("unexpected end of input; expected a digit", at: i)
        }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
            if i < bytes.count, isDigit(bytes[i]) {
                throw error("a number must not have leading zeros", at: start)
            }
        } else if isDigit(bytes[i]) {
            i += 1
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        } else {
            throw unexpected(at: i, expected: "a digit")
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard i < bytes.count, isDigit(bytes[i]) else {
                throw unexpected(at: i, expected: "a digit after the decimal point")
            }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") {
                i += 1
            }
            guard i < bytes.count, isDigit(bytes[i]) else {
                throw unexpected(at: i, expected: "a digit in the exponent")
            }
            while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        }
        index = i
        return start..<i
    }

    /// Consumes `literal` (`true`, `false` or `null`) at ``index``.
    package mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        let matches = literal.withUTF8Buffer { expected in
            guard index + count <= bytes.count else { return false }
            for k in 0..<count where bytes[index + k] != expected[k] {
                return false
            }
            return true
        }
        guard matches else {
            throw error("invalid literal; expected '\(literal)'", at: index)
        }
        index += count
    }

    // MARK: Values

    /// One open array or object while ``readValue()`` builds a tree.
    private struct Frame {
        var isObject: Bool
        var position: SourcePosition
        /// Where this container's children start in the shared child stacks.
        var start: Int
        var key = ""
        var keyPosition = SourcePosition(line: 0, column: 0)
    }

    /// Reads the value at ``index`` (whitespace already skipped) into a tree, without recursion.
    package mutating func readValue() throws(JSONSyntaxError) -> JSONValue {
        var frames: [Frame] = []
        var elements: [JSONValue] = []
        var members: [JSONMember] = []
        while true {
            var current: JSONValue
            guard index < bytes.count else {
                throw unexpected(at: index, expected: "a JSON value")
            }
            let position = currentPosition
            switch bytes[index] {
            case UInt8(ascii: "{"):
                if try enterObject() {
                    let (span, keyPosition) = try readKey()
                    frames.append(
                        Frame(
                            isObject: true, position: position, start: members.count,
                            key: string(of: span), keyPosition: keyPosition))
                    continue
                }
                current = JSONValue(.object([]), position: position)
            case UInt8(ascii: "["):
                if try enterArray() {
                    frames.append(Frame(isObject: false, position: position, start: elements.count))
                    continue
                }
                current = JSONValue(.array([]), position: position)
            default:
                current = JSONValue(try readScalar(), position: position)
            }
            // Attach the finished value to its container; close the containers that it finishes in turn.
            while let top = frames.last {
                if top.isObject {
                    members.append(JSONMember(key: top.key, keyPosition: top.keyPosition, value: current))
                    if try nextMember() {
                        let (span, keyPosition) = try readKey()
                        frames[frames.count - 1].key = string(of: span)
                        frames[frames.count - 1].keyPosition = keyPosition
                        break
                    }
                    current = JSONValue(.object(Array(members[top.start...])), position: top.position)
                    members.removeSubrange(top.start...)
                } else {
                    elements.append(current)
                    if try nextElement() {
                        break
                    }
                    current = JSONValue(.array(Array(elements[top.start...])), position: top.position)
                    elements.removeSubrange(top.start...)
                }
                frames.removeLast()
            }
            if frames.isEmpty {
                return current
            }
        }
    }

    /// Reads a string, number, `true`, `false` or `null` at ``index``.
    package mutating func readScalar() throws(JSONSyntaxError) -> JSONValue.Kind {
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return .string(string(of: try scanString()))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let range = try scanNumber()
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            throw unexpected(at: index, expected: "a JSON value")
        }
    }

    /// Skips the value at ``index`` (whitespace already skipped), validating it, without building anything.
    package mutating func skipValue() throws(JSONSyntaxError) {
        // One flag per open container: true for an object.
        var open: [Bool] = []
        while true {
            guard index < bytes.count else {
                throw unexpected(at: index, expected: "a JSON value")
            }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                if try enterObject() {
                    _ = try readKey()
                    open.append(true)
                    continue
                }
            case UInt8(ascii: "["):
                if try enterArray() {
                    open.append(false)
                    continue
                }
            case UInt8(ascii: "\""):
                _ = try scanString()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                _ = try scanNumber()
            default:
                _ = try readScalar()
            }
            while let isObject = open.last {
                if isObject {
                    if try nextMember() {
                        _ = try readKey()
                        break
                    }
                } else if try nextElement() {
                    break
                }
                open.removeLast()
            }
            if open.isEmpty {
                return
            }
        }
    }
}

@inline(__always)
package func isDigit(_ byte: UInt8) -> Bool {
    byte &- UInt8(ascii: "0") < 10
}

@inline(__always)
package func hexDigitValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

/// `value` in upper-case hexadecimal, zero-padded to `digits`.
package func hex(_ value: UInt32, digits: Int) -> String {
    let text = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, digits - text.count)) + text
}

extension JSONScanner {
    /// Whether a scanned string equals `literal`.
    @inline(__always)
    package func matches(_ span: StringSpan, _ literal: StaticString) -> Bool {
        withBytes(of: span) { bytes in
            guard bytes.count == literal.utf8CodeUnitCount else { return false }
            let expected = literal.utf8Start
            for offset in 0..<bytes.count where bytes[offset] != expected[offset] {
                return false
            }
            return true
        }
    }
}
