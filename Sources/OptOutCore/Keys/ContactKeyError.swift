/// Why a text is not a valid contact key.
///
/// ``message`` says what is wrong and what to do; ``code`` lets callers tell the cases apart.
public struct ContactKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem; new codes may be added.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String

        /// No `:` between namespace and value.
        public static let missingNamespace = Code(rawValue: "missingNamespace")
        /// The namespace is not `[a-z0-9-]+`.
        public static let invalidNamespace = Code(rawValue: "invalidNamespace")
        /// Nothing after the `:` (or only blanks, for email and phone).
        public static let emptyValue = Code(rawValue: "emptyValue")
        /// An `email:` value that is not an address.
        public static let invalidEmail = Code(rawValue: "invalidEmail")
        /// A `phone:` value that is not a phone number.
        public static let invalidPhone = Code(rawValue: "invalidPhone")
        /// A national phone number and no default country code to complete it.
        public static let missingCountryCode = Code(rawValue: "missingCountryCode")
        /// The default country code itself is malformed.
        public static let invalidCountryCode = Code(rawValue: "invalidCountryCode")

        public var description: String { rawValue }
    }

    /// The kind of problem.
    public var code: Code
    /// What is wrong, for people.
    public var message: String

    /// The message.
    public var description: String { message }
}
