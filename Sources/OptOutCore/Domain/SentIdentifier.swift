/// One identifier of a contact exactly as a sender sent it, and why it did not become a key when it did not.
///
/// Normalisation drops what it cannot read (a local phone number with no `defaultCountryCode` to complete it, an
/// address that is not one), so the keys alone would forget part of what the sender said. These keep it, for the
/// log and the suppression list (SPEC §9: the identifiers exactly as the sender sent them).
public struct SentIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// `email`, `phone`, or the sender's name for its CRM ids.
    public var kind: String
    /// The value as sent, untrimmed.
    public var value: String
    /// Why the value did not become a ``ContactKey`` (the normalisation error's message); `nil` when it did.
    public var problem: String?

    /// Creates an identifier.
    public init(kind: String, value: String, problem: String? = nil) {
        self.kind = kind
        self.value = value
        self.problem = problem
    }

    /// `kind:value`.
    public var description: String { "\(kind):\(value)" }
}
