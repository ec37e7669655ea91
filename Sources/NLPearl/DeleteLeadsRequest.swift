import JSON

/// The wire form of one delete call: its URL and its `{"leadIds":[...]}` body.
///
/// Written with ``JSON/JSONWriter`` rather than `JSONEncoder`: the body has one fixed member, and this runs for
/// every call under load.
struct DeleteLeadsRequest: Sendable {
    var url: String
    var body: [UInt8]

    init(baseURL: String, pearlId: String, leadIds: [String]) {
        url = Self.url(baseURL: baseURL, pearlId: pearlId)
        body = Self.body(leadIds: leadIds)
    }

    /// `{baseURL}/v2/Outbound/{pearlId}/Leads`, with the pearlId percent-encoded as one path segment.
    static func url(baseURL: String, pearlId: String) -> String {
        join(baseURL, path: "/v2/Outbound/" + encodePathSegment(pearlId) + "/Leads")
    }

    /// The base URL, less its trailing slashes, followed by `path` (which starts with `/`).
    static func join(_ baseURL: String, path: String) -> String {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        return base + path
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters, so that `/`, `?`, `#` or `%`
    /// in a pearlId cannot change the path; a segment of only dots is encoded too, so that no
    /// server or proxy reads it as `.` or `..`.
    static func encodePathSegment(_ segment: String) -> String {
        let onlyDots = !segment.isEmpty && segment.utf8.allSatisfy { $0 == UInt8(ascii: ".") }
        var encoded: [UInt8] = []
        encoded.reserveCapacity(segment.utf8.count)
        for byte in segment.utf8 {
            if isUnreserved(byte), !(onlyDots && byte == UInt8(ascii: ".")) {
                encoded.append(byte)
            } else {
                encoded.append(UInt8(ascii: "%"))
                encoded.append(hexDigits[Int(byte >> 4)])
                encoded.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: encoded, as: UTF8.self)
    }

    /// `{"leadIds":[…]}`, the `DeleteLeadsRequest` schema.
    static func body(leadIds: [String]) -> [UInt8] {
        JSONWriter.bytes(capacity: 16 + leadIds.reduce(0) { $0 + $1.utf8.count + 3 }) { json in
            json.object { $0.member("leadIds", leadIds) }
        }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}
