/// What one sender type's configuration entry holds: its `type` and the keys it reads besides `name` and `type`.
///
/// The sender types declare their schemas; the configuration, which knows no sender type, is given the list and
/// checks each `senders[]` entry against the schema of its `type`, so that one declaration describes the file.
public struct SenderSchema: Sendable, Hashable {
    /// The keys of every entry, read by the configuration itself.
    public static let commonKeys = ["name", "type"]

    /// The `type` of the entry, e.g. `hubspot`.
    public var type: String
    /// The type's own keys, in the order the type documents them.
    public var keys: [SenderOptionKey]

    public init(type: String, keys: [SenderOptionKey]) {
        self.type = type
        self.keys = keys
    }

    /// Every key an entry of this type may hold: ``commonKeys`` and the type's own.
    public var keyNames: [String] {
        Self.commonKeys + keys.map(\.name)
    }

    /// The declared key named `name`, if any.
    public func key(_ name: String) -> SenderOptionKey? {
        keys.first { $0.name == name }
    }
}
