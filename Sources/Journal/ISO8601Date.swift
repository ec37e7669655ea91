import Foundation
import OptOutCore

/// Codes a date as ``Timestamp/iso8601(_:)`` text (UTC, with milliseconds) whatever the coder's date strategy, so
/// that the journal's JSON (exports, `--json` output) writes every date one way and old exports read back alike.
@propertyWrapper
public struct ISO8601Date: Sendable, Hashable, Codable {
    public var wrappedValue: Date

    public init(wrappedValue: Date) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = Timestamp.parseISO8601(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected an ISO-8601 date, got \(text)")
        }
        wrappedValue = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Timestamp.iso8601(wrappedValue))
    }
}

/// ``ISO8601Date`` for an optional date: left out when nil, and nil when absent or `null`, like any optional member.
@propertyWrapper
public struct OptionalISO8601Date: Sendable, Hashable, Codable {
    public var wrappedValue: Date?

    public init(wrappedValue: Date?) {
        self.wrappedValue = wrappedValue
    }

    public init(from decoder: any Decoder) throws {
        wrappedValue = try decoder.singleValueContainer().decodeNil() ? nil : ISO8601Date(from: decoder).wrappedValue
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue {
            try container.encode(ISO8601Date(wrappedValue: wrappedValue))
        } else {
            try container.encodeNil()
        }
    }
}

// Synthesized coding calls these for an `@OptionalISO8601Date` member; without them an absent member would fail to
// decode and a nil one would be written as `null`.
extension KeyedDecodingContainer {
    func decode(_ type: OptionalISO8601Date.Type, forKey key: Key) throws -> OptionalISO8601Date {
        try decodeIfPresent(type, forKey: key) ?? OptionalISO8601Date(wrappedValue: nil)
    }
}

extension KeyedEncodingContainer {
    mutating func encode(_ value: OptionalISO8601Date, forKey key: Key) throws {
        guard let date = value.wrappedValue else { return }
        try encode(ISO8601Date(wrappedValue: date), forKey: key)
    }
}
