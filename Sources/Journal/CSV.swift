import Foundation

/// RFC 4180 output.
enum CSV {
    /// One record: fields joined by commas, each quoted when it holds a comma, a quote, CR or LF (quotes
    /// doubled), ending in CRLF.
    static func row(_ fields: [String]) -> String {
        var line = ""
        for (i, field) in fields.enumerated() {
            if i > 0 { line += "," }
            line += quoted(field)
        }
        line += "\r\n"
        return line
    }

    /// A field, quoted only where needed.
    static func quoted(_ field: String) -> String {
        let needsQuotes = field.utf8.contains { byte in
            switch byte {
            case UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "\r"), UInt8(ascii: "\n"): true
            default: false
            }
        }
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
