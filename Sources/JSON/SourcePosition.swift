/// A place in a text file, for messages such as `mapping.json:12:7: …`.
///
/// Both numbers are 1-based. The column counts Unicode scalar values from the start of the line, so a
/// non-ASCII character such as `é` counts once, whatever the number of UTF-8 bytes it takes; a tab counts once.
public struct SourcePosition: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The line, from 1.
    public var line: Int
    /// The column in Unicode scalars, from 1.
    public var column: Int

    /// Creates a position from a 1-based line and column.
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// `LINE:COLUMN`.
    public var description: String { "\(line):\(column)" }

    public static func < (lhs: SourcePosition, rhs: SourcePosition) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}
