/// A normalised identifier of a contact: `NAMESPACE:VALUE`, such as `email:jane@example.com`,
/// `phone:+15551234567` or `hubspot:1246965`.
///
/// Keys are only made through normalisation, so two keys for the same contact compare equal:
/// - `email:` values are trimmed and lower-cased, and must have one `@` with text on both sides;
/// - `phone:` values become E.164 (`+` and 8 to 15 digits). Spaces, tabs, `-`, `.`, `/` and parentheses are
///   dropped, as is a `(0)` after the country code (`+44 (0)20 …`); a leading `00` counts as `+`. A number
///   without either takes the default country code, dropping a national trunk prefix first: a leading `0`
///   (except for Italy, `+39`, where it belongs to the number), and for `+1` the leading `1` of an 11-digit
///   number;
/// - any other namespace is a sender name (`[a-z0-9-]+`) and its value is kept exactly, but must not be empty.
///
/// Normalisation is idempotent: parsing a key's ``description`` gives the same key back.
public struct ContactKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The namespace: `email`, `phone` or a sender name.
    public let namespace: String
    /// The normalised value.
    public let value: String

    /// A key whose parts are already normalised.
    init(normalizedNamespace namespace: String, value: String) {
        self.namespace = namespace
        self.value = value
    }

    /// Normalises a value of the given namespace.
    ///
    /// - Parameters:
    ///   - namespace: `email`, `phone` or a sender name.
    ///   - value: the raw value.
    ///   - defaultCountryCode: the country code (such as `"+1"`) for phone numbers written without one.
    public init(namespace: String, value: String, defaultCountryCode: String? = nil) throws(ContactKeyError) {
        let countryCode = try defaultCountryCode.map { (code) throws(ContactKeyError) in
            try KeyNormalizer.countryCodeDigits(code)
        }
        var output: [UInt8] = []
        var namespaceBytes = Array(namespace.utf8)
        var valueBytes = Array(value.utf8)
        try namespaceBytes.withUnsafeMutableBufferPointer { (ns) throws(ContactKeyError) in
            try valueBytes.withUnsafeMutableBufferPointer { (raw) throws(ContactKeyError) in
                try KeyNormalizer.appendKey(
                    namespace: UnsafeBufferPointer(ns), value: UnsafeBufferPointer(raw), countryCode: countryCode,
                    to: &output)
            }
        }
        self = ContactKey(canonical: output, namespaceLength: namespaceBytes.count)
    }

    /// Splits canonical `namespace:value` bytes.
    init(canonical bytes: [UInt8], namespaceLength: Int) {
        namespace = String(decoding: bytes[..<namespaceLength], as: UTF8.self)
        value = String(decoding: bytes[(namespaceLength + 1)...], as: UTF8.self)
    }

    /// Parses and normalises `NAMESPACE:VALUE` (the namespace ends at the first `:`).
    ///
    /// - Parameters:
    ///   - raw: the key as written, such as `phone:+1 (555) 123-4567`.
    ///   - defaultCountryCode: the country code (such as `"+1"`) for phone numbers written without one;
    ///     `mapping.defaultCountryCode` in the configuration.
    public static func parse(_ raw: String, defaultCountryCode: String?) throws(ContactKeyError) -> ContactKey {
        let countryCode = try defaultCountryCode.map { (code) throws(ContactKeyError) in
            try KeyNormalizer.countryCodeDigits(code)
        }
        var bytes = Array(raw.utf8)
        var output: [UInt8] = []
        let namespaceLength = try bytes.withUnsafeMutableBufferPointer { (buffer) throws(ContactKeyError) -> Int in
            try KeyNormalizer.appendKey(UnsafeBufferPointer(buffer), countryCode: countryCode, to: &output)
        }
        return ContactKey(canonical: output, namespaceLength: namespaceLength)
    }

    /// An `email:` key; the address is trimmed, lower-cased and checked.
    public static func email(_ address: String) throws(ContactKeyError) -> ContactKey {
        try ContactKey(namespace: "email", value: address)
    }

    /// A `phone:` key in E.164.
    ///
    /// - Parameters:
    ///   - number: the number as written.
    ///   - defaultCountryCode: the country code (such as `"+1"`) for a number written without one.
    public static func phone(_ number: String, defaultCountryCode: String? = nil) throws(ContactKeyError) -> ContactKey
    {
        try ContactKey(namespace: "phone", value: number, defaultCountryCode: defaultCountryCode)
    }

    /// A CRM object id of the sender named `sender`: `sender:id`.
    public static func crm(sender: String, id: String) throws(ContactKeyError) -> ContactKey {
        try ContactKey(namespace: sender, value: id)
    }

    /// Checks a default country code and returns it as `+` and digits (`"1"`, `"+1"` and `"001"` give `"+1"`).
    public static func normalizedCountryCode(_ code: String) throws(ContactKeyError) -> String {
        "+" + String(decoding: try KeyNormalizer.countryCodeDigits(code), as: UTF8.self)
    }

    /// `namespace:value`.
    public var description: String { "\(namespace):\(value)" }

    public static func < (lhs: ContactKey, rhs: ContactKey) -> Bool {
        (lhs.namespace, lhs.value) < (rhs.namespace, rhs.value)
    }
}

extension ContactKey: Codable {
    /// Decodes a key from its `namespace:value` string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let raw = try container.decode(String.self)
        do {
            self = try ContactKey.parse(raw, defaultCountryCode: nil)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes the key as its `namespace:value` string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension ContactKey {
    /// A key read back from storage, where only normalised keys are written: split at the first `:`, not normalised
    /// again. Nil when there is no `:` or either side is empty.
    public init?(normalized text: String) {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex, text.index(after: colon) != text.endIndex
        else { return nil }
        self.init(normalizedNamespace: String(text[..<colon]), value: String(text[text.index(after: colon)...]))
    }
}
