import Foundation
import JSON

/// The normalisation rules of ``ContactKey``, on UTF-8 bytes.
///
/// The mapping loader calls these millions of times, appending canonical `namespace:value` bytes straight into
/// its key store, so the common cases (ASCII emails, phone numbers, CRM ids) touch no `String`. Only non-ASCII
/// email addresses go through Foundation, for Unicode trimming and lower-casing.
package enum KeyNormalizer {
    /// Appends the canonical form of a raw `NAMESPACE:VALUE` key to `output`.
    ///
    /// - Returns: the length of the namespace in bytes.
    /// - Throws: ``ContactKeyError``; `output` is then as it was.
    package static func appendKey(
        _ raw: UnsafeBufferPointer<UInt8>, countryCode: [UInt8]?, to output: inout [UInt8]
    ) throws(ContactKeyError) -> Int {
        guard let colon = raw.firstIndex(of: UInt8(ascii: ":")) else {
            throw ContactKeyError(
                code: .missingNamespace,
                message: "key '\(text(raw))' has no namespace; write NAMESPACE:VALUE, such as email:jane@example.com")
        }
        let namespace = UnsafeBufferPointer(rebasing: raw[..<colon])
        let value = UnsafeBufferPointer(rebasing: raw[(colon + 1)...])
        try appendKey(namespace: namespace, value: value, countryCode: countryCode, to: &output)
        return colon
    }

    /// Appends the canonical `namespace:value` of a value in `namespace` to `output`.
    ///
    /// - Throws: ``ContactKeyError``; `output` is then as it was.
    package static func appendKey(
        namespace: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>, countryCode: [UInt8]?,
        to output: inout [UInt8]
    ) throws(ContactKeyError) {
        guard isValidNamespace(namespace) else {
            throw ContactKeyError(
                code: .invalidNamespace,
                message: "'\(text(namespace))' is not a valid key namespace; use email, phone or a sender name "
                    + "(lower-case letters, digits and '-')")
        }
        let mark = output.count
        output.append(contentsOf: namespace)
        output.append(UInt8(ascii: ":"))
        do throws(ContactKeyError) {
            if equals(namespace, "email") {
                try appendEmail(value, to: &output)
            } else if equals(namespace, "phone") {
                try appendPhone(value, countryCode: countryCode, to: &output)
            } else {
                guard !value.isEmpty else {
                    throw ContactKeyError(
                        code: .emptyValue, message: "key '\(text(namespace)):' has an empty value")
                }
                output.append(contentsOf: value)
            }
        } catch {
            output.removeSubrange(mark...)
            throw error
        }
    }

    /// Whether `namespace` is `[a-z0-9-]+`.
    package static func isValidNamespace(_ namespace: UnsafeBufferPointer<UInt8>) -> Bool {
        guard !namespace.isEmpty else { return false }
        for byte in namespace {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                continue
            default:
                return false
            }
        }
        return true
    }

    /// The digits of a country code written as `+1`, `1` or `001`.
    package static func countryCodeDigits(_ code: String) throws(ContactKeyError) -> [UInt8] {
        var digits = Array(code.utf8)
        if digits.first == UInt8(ascii: "+") {
            digits.removeFirst()
        } else if digits.starts(with: [0x30, 0x30]) {
            digits.removeFirst(2)
        }
        guard (1...3).contains(digits.count), digits.allSatisfy(isDigit), digits.first != UInt8(ascii: "0") else {
            throw ContactKeyError(
                code: .invalidCountryCode,
                message: "'\(code)' is not a country code; write '+' and 1 to 3 digits, such as \"+1\" or \"+44\"")
        }
        return digits
    }

    // MARK: Email

    /// Appends a trimmed, lower-cased, checked email address.
    private static func appendEmail(
        _ raw: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]
    ) throws(ContactKeyError) {
        var start = 0
        var end = raw.count
        while start < end, isASCIISpace(raw[start]) { start += 1 }
        while end > start, isASCIISpace(raw[end - 1]) { end -= 1 }
        let trimmed = UnsafeBufferPointer(rebasing: raw[start..<end])
        if trimmed.contains(where: { $0 >= 0x80 }) {
            try appendUnicodeEmail(raw, to: &output)
            return
        }
        try checkEmail(trimmed, raw: raw)
        let tail = output.count
        output.append(contentsOf: trimmed)
        output.withUnsafeMutableBufferPointer { buffer in
            for offset in tail..<buffer.count where buffer[offset] &- UInt8(ascii: "A") < 26 {
                buffer[offset] |= 0x20
            }
        }
    }

    /// The slow path of ``appendEmail(_:to:)`` for addresses with non-ASCII characters.
    private static func appendUnicodeEmail(
        _ raw: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]
    ) throws(ContactKeyError) {
        let normalized = text(raw).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if normalized.unicodeScalars.contains(where: { $0.properties.isWhitespace }) {
            throw invalidEmail(raw, reason: "it contains a blank")
        }
        var bytes = Array(normalized.utf8)
        try bytes.withUnsafeMutableBufferPointer { (buffer) throws(ContactKeyError) in
            try checkEmail(UnsafeBufferPointer(buffer), raw: raw)
        }
        output.append(contentsOf: bytes)
    }

    /// Checks one `@` with text on both sides, and no blanks or control characters.
    private static func checkEmail(
        _ address: UnsafeBufferPointer<UInt8>, raw: UnsafeBufferPointer<UInt8>
    ) throws(ContactKeyError) {
        guard !address.isEmpty else {
            throw ContactKeyError(code: .emptyValue, message: "key 'email:' has an empty value")
        }
        var at: Int?
        for (offset, byte) in address.enumerated() {
            if byte == UInt8(ascii: "@") {
                guard at == nil else {
                    throw invalidEmail(raw, reason: "it has more than one '@'")
                }
                at = offset
            } else if byte <= 0x20 || byte == 0x7F {
                throw invalidEmail(raw, reason: "it contains a blank or a control character")
            }
        }
        guard let at else {
            throw invalidEmail(raw, reason: "it has no '@'")
        }
        guard at > 0, at < address.count - 1 else {
            throw invalidEmail(raw, reason: "it needs text on both sides of the '@'")
        }
    }

    private static func invalidEmail(_ raw: UnsafeBufferPointer<UInt8>, reason: String) -> ContactKeyError {
        ContactKeyError(code: .invalidEmail, message: "'\(text(raw))' is not an email address: \(reason)")
    }

    // MARK: Phone

    /// Appends `+` and the digits of the number in E.164.
    private static func appendPhone(
        _ raw: UnsafeBufferPointer<UInt8>, countryCode: [UInt8]?, to output: inout [UInt8]
    ) throws(ContactKeyError) {
        // Collected in a fixed buffer: a valid number has at most 15 digits; more is an error anyway.
        var digits = (UInt64(0), UInt64(0), UInt64(0))
        var count = 0
        var hasPlus = false
        var sawDigit = false
        var tooLong = false
        var i = 0
        try withUnsafeMutableBytes(of: &digits) { (buffer) throws(ContactKeyError) in
            while i < raw.count {
                let byte = raw[i]
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    if count < buffer.count {
                        buffer[count] = byte
                        count += 1
                    } else {
                        tooLong = true
                    }
                    sawDigit = true
                case UInt8(ascii: "+"):
                    guard !hasPlus, !sawDigit else {
                        throw invalidPhone(raw, reason: "'+' may only come first")
                    }
                    hasPlus = true
                case UInt8(ascii: "("):
                    // `+44 (0)20 …`: the 0 is the national trunk prefix and not part of the international number.
                    if sawDigit, hasPlus || startsWithDoubleZero(buffer, count), i + 2 < raw.count,
                        raw[i + 1] == UInt8(ascii: "0"), raw[i + 2] == UInt8(ascii: ")")
                    {
                        i += 2
                    }
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "-"), UInt8(ascii: "."),
                    UInt8(ascii: "/"), UInt8(ascii: ")"), 0x0A, 0x0D:
                    break
                default:
                    throw invalidPhone(
                        raw,
                        reason: "\(describe(raw, at: i)) is not allowed; use digits, blanks, '-', '.', '/', "
                            + "parentheses and a leading '+' or '00'")
                }
                i += 1
            }
        }
        guard sawDigit else {
            if raw.allSatisfy(isASCIISpace) {
                throw ContactKeyError(code: .emptyValue, message: "key 'phone:' has an empty value")
            }
            throw invalidPhone(raw, reason: "it has no digits")
        }
        guard !tooLong else {
            throw invalidPhone(raw, reason: "E.164 allows at most 15 digits")
        }
        try withUnsafeBytes(of: &digits) { (buffer) throws(ContactKeyError) in
            var number = UnsafeRawBufferPointer(rebasing: buffer[..<count])
            var prefix: [UInt8] = []
            if !hasPlus {
                if number.starts(with: [0x30, 0x30]) {
                    number = UnsafeRawBufferPointer(rebasing: number[2...])
                } else {
                    guard let countryCode else {
                        throw ContactKeyError(
                            code: .missingCountryCode,
                            message: "phone number '\(text(raw))' has no country code; write it with a leading '+' "
                                + "or set mapping.defaultCountryCode (such as \"+1\")")
                    }
                    prefix = countryCode
                    if countryCode == [0x31], number.count == 11, number.first == UInt8(ascii: "1") {
                        number = UnsafeRawBufferPointer(rebasing: number[1...])
                    } else if countryCode != [0x33, 0x39], number.first == UInt8(ascii: "0") {
                        number = UnsafeRawBufferPointer(rebasing: number[1...])
                    }
                }
            }
            let total = prefix.count + number.count
            guard (8...15).contains(total) else {
                throw invalidPhone(raw, reason: "E.164 needs 8 to 15 digits with the country code, not \(total)")
            }
            guard (prefix.first ?? number.first) != UInt8(ascii: "0") else {
                throw invalidPhone(raw, reason: "a country code cannot start with 0")
            }
            output.append(UInt8(ascii: "+"))
            output.append(contentsOf: prefix)
            output.append(contentsOf: number)
        }
    }

    private static func startsWithDoubleZero(_ buffer: UnsafeMutableRawBufferPointer, _ count: Int) -> Bool {
        count >= 2 && buffer[0] == UInt8(ascii: "0") && buffer[1] == UInt8(ascii: "0")
    }

    private static func invalidPhone(_ raw: UnsafeBufferPointer<UInt8>, reason: String) -> ContactKeyError {
        ContactKeyError(code: .invalidPhone, message: "'\(text(raw))' is not a phone number: \(reason)")
    }

    // MARK: Helpers

    /// The bytes as text, for messages.
    package static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// The character at `offset`, quoted, for messages.
    private static func describe(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int) -> String {
        let byte = bytes[offset]
        if byte >= 0x20, byte < 0x7F {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        if byte < 0x80 {
            return "control character U+\(hex(UInt32(byte), digits: 4))"
        }
        let rest = String(decoding: UnsafeBufferPointer(rebasing: bytes[offset...]), as: UTF8.self)
        return rest.first.map { "'\($0)'" } ?? "a non-ASCII character"
    }

    @inline(__always)
    private static func isASCIISpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
    }

    @inline(__always)
    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount else { return false }
        let expected = literal.utf8Start
        for offset in 0..<bytes.count where bytes[offset] != expected[offset] {
            return false
        }
        return true
    }
}
