import Foundation

/// The small amount of JSON the journal writes itself: the `keys` column and CSV cells.
enum JSONText {
    /// A JSON array of strings, compact: `["email:a@b.c","hubspot:1"]`.
    static func array(_ strings: [String]) -> String {
        var out = "["
        for (i, s) in strings.enumerated() {
            if i > 0 { out += "," }
            appendString(s, to: &out)
        }
        out += "]"
        return out
    }

    /// Reads an array of strings written by ``array(_:)`` (or any JSON array of strings).
    static func parseArray(_ text: String) throws -> [String] {
        do {
            return try JSONDecoder().decode([String].self, from: Data(text.utf8))
        } catch {
            throw JournalError(code: .corruptRecord, message: "stored keys are not a JSON array of strings")
        }
    }

    /// Appends `s` as a JSON string literal, escaping what RFC 8259 requires.
    static func appendString(_ s: String, to out: inout String) {
        out.unicodeScalars.append("\"")
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        out.unicodeScalars.append("\"")
    }
}
