/// A secret string (a token, a signing key) that never shows in a description, a log line or a `dump`.
///
/// Take the value out with ``reveal()`` only where it is used (to sign, to compare, to send).
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let value: String

    /// Wraps a secret value.
    public init(_ value: String) {
        self.value = value
    }

    /// The secret itself.
    public func reveal() -> String { value }

    /// Whether `candidate` equals the secret, compared in time that does not depend on where they differ.
    public func matches(_ candidate: some StringProtocol) -> Bool {
        // Every byte of the secret is compared, whatever the candidate, so timing tells nothing about where they
        // differ; only the secret's own length shows.
        var difference: UInt8 = value.utf8.count == candidate.utf8.count ? 0 : 1
        var other = candidate.utf8.makeIterator()
        for byte in value.utf8 {
            difference |= byte ^ (other.next() ?? ~byte)
        }
        return difference == 0
    }

    /// Compares in constant time, like ``matches(_:)``.
    public static func == (lhs: Secret, rhs: Secret) -> Bool {
        lhs.matches(rhs.value)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(value)
    }

    /// Always `<redacted>`.
    public var description: String { "<redacted>" }
    /// Always `<redacted>`.
    public var debugDescription: String { "<redacted>" }
    /// No children, so that `dump` shows nothing but the description.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
