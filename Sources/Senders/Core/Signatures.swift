import Crypto
import Foundation
import JSON

/// The building blocks of webhook signatures: HMACs over raw bytes, encodings, constant-time comparison and
/// timestamp windows.
public enum Signatures {
    /// Timestamped schemes accept this much clock difference, in either direction.
    public static let tolerance: TimeInterval = 300

    public static func hmacSHA256(key: some ContiguousBytes, _ parts: [UInt8]...) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: key))
        for part in parts { hmac.update(data: part) }
        return Array(hmac.finalize())
    }

    public static func hmacSHA1(key: some ContiguousBytes, _ parts: [UInt8]...) -> [UInt8] {
        var hmac = HMAC<Insecure.SHA1>(key: SymmetricKey(data: key))
        for part in parts { hmac.update(data: part) }
        return Array(hmac.finalize())
    }

    public static func sha256(_ parts: [UInt8]...) -> [UInt8] {
        var hash = SHA256()
        for part in parts { hash.update(data: part) }
        return Array(hash.finalize())
    }

    /// Compares in time that depends only on the lengths, so a forger learns nothing from timing.
    public static func constantTimeEqual(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    /// `now` in whole Unix seconds, as the timestamp headers that `sign` writes carry it.
    static func unixSeconds(_ now: Date) -> String {
        String(Int64(now.timeIntervalSince1970.rounded(.down)))
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex, either case; nil when it is not hex.
    public static func unhex(_ text: some StringProtocol) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 2)
        var index = 0
        while index < bytes.count {
            guard let high = nibble(bytes[index]), let low = nibble(bytes[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    public static func base64(_ bytes: some Sequence<UInt8>) -> String {
        Data(bytes).base64EncodedString()
    }

    public static func unbase64(_ text: some StringProtocol) -> [UInt8]? {
        Data(base64Encoded: String(text)).map(Array.init)
    }

    /// Whether `timestamp` (Unix seconds) is within ``tolerance`` of `now`.
    public static func isFresh(_ timestamp: TimeInterval, now: Date) -> Bool {
        abs(now.timeIntervalSince1970 - timestamp) <= tolerance
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
