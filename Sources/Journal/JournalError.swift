import JSON

/// An error of the journal.
///
/// Every error that means "the journal could not durably record this" carries the code
/// ``Code/unavailable`` or ``Code/fileReplaced``: the caller should answer 503 and let the sender
/// retry; the journal itself keeps working once the cause (a full disk, a read-only file) is gone.
public struct JournalError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a small set of stable values.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case unavailable, fileReplaced, corruptRecord
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The write transaction failed (disk full, read-only file, I/O error, lock timeout): nothing of it
        /// was committed.
        public static let unavailable = Code(.unavailable)
        /// The database file at the journal's path is gone or is another file than the one opened; writing
        /// on would only reach an unlinked file, so writes are refused until the journal is reopened.
        public static let fileReplaced = Code(.fileReplaced)
        /// A stored row holds a value this version cannot read (an unknown status, malformed JSON).
        public static let corruptRecord = Code(.corruptRecord)

        public var description: String { base.rawValue }
    }

    /// The kind of failure.
    public let code: Code
    /// A human-readable explanation; never contains secrets (the journal stores none).
    public let message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// Whether the failure is about storage, so that the caller should answer "retry later" (503).
    public var isUnavailable: Bool { code == .unavailable || code == .fileReplaced }

    public var description: String { "journal \(code): \(message)" }
}

extension JournalError {
    /// The strings of a stored JSON array column (`keys`, `identifiers`).
    static func strings(_ text: String) throws(JournalError) -> [String] {
        guard let strings = JSONParser.strings(text) else {
            throw JournalError(code: .corruptRecord, message: "stored keys are not a JSON array of strings")
        }
        return strings
    }
}
