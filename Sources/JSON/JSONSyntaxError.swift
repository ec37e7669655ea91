/// Why a text is not valid JSON, and where.
public struct JSONSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong, such as `expected ',' or '}' after an object member, found ']'`.
    public var message: String
    /// Line and column of the offending character.
    public var position: SourcePosition
    /// Byte offset of the offending character, from 0.
    public var offset: Int

    /// Creates an error.
    public init(message: String, position: SourcePosition, offset: Int) {
        self.message = message
        self.position = position
        self.offset = offset
    }

    /// `LINE:COLUMN: message`.
    public var description: String { "\(position.line):\(position.column): \(message)" }
}
