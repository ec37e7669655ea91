import HTTPTypes

/// Lookups by a name given as text, compared without regard to ASCII case.
///
/// Vendor headers (`X-HubSpot-Signature-v3`, `Klaviyo-Signature`) are named as their documentation spells them,
/// without a failable `HTTPField.Name` for each. Unlike the `HTTPField.Name` subscript, which joins repeated fields
/// with commas, these return the values as sent: a signature scheme checks the value that was signed, and a
/// repeated header is not the server's to merge.
extension HTTPFields {
    /// The first value of the named field, or `nil`.
    public subscript(_ name: String) -> String? {
        for field in self where field.name.matches(name) { return field.value }
        return nil
    }

    /// Every value of the named field, in order.
    public func values(for name: String) -> [String] {
        var values: [String] = []
        for field in self where field.name.matches(name) { values.append(field.value) }
        return values
    }

    /// Whether a field of that name is present.
    public func contains(_ name: String) -> Bool {
        contains { $0.name.matches(name) }
    }

    /// Appends a field, after any others of that name.
    ///
    /// The name must be a token (RFC 9110 §5.1): anything else is a programming error and traps. Code that sends
    /// the same name on every response should use an `HTTPField.Name` constant, which is validated once.
    public mutating func add(name: String, value: String) {
        guard let fieldName = HTTPField.Name(name) else { preconditionFailure("\(name) is not a header field name") }
        append(HTTPField(name: fieldName, value: value))
    }
}

extension HTTPField.Name {
    /// Whether `text` names this field: its canonical name is lower case, so no lower-cased copy of `text` is made.
    func matches(_ text: String) -> Bool {
        let canonical = canonicalName.utf8
        let other = text.utf8
        guard canonical.count == other.count else { return false }
        for (lower, byte) in zip(canonical, other) where lower != byte {
            guard byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z"), lower == byte | 0x20 else { return false }
        }
        return true
    }
}
