/// Checks of a request's head that libmicrohttpd 0.9.75 lets through although they make its body's framing
/// ambiguous: the ways to smuggle a second request past a proxy that reads the head differently.
///
/// RFC 9112 asks a server to refuse them: whitespace or other non-token bytes in a field name (§5.1: `Content-Length :`
/// would pass as another field here, and its body as the next request), `Content-Length` values that disagree
/// (§6.3), `Content-Length` together with `Transfer-Encoding` (§6.1), and a transfer coding other than `chunked`,
/// which MHD cannot decode (§6.1: 501).
enum RequestFraming {
    /// Why the head is refused, as a status and a sentence, or nil when its framing is unambiguous.
    static func refusal(_ headers: HTTPHeaders) -> (status: Int, detail: String)? {
        var lengths: [String] = []
        var codings: [String] = []
        for (name, value) in headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenByte) else {
                return (400, "A header field name is not a token.")
            }
            if name.caseInsensitiveEquals("Content-Length") {
                lengths.append(value)
            } else if name.caseInsensitiveEquals("Transfer-Encoding") {
                codings.append(value)
            }
        }
        if lengths.count > 1, lengths.contains(where: { $0 != lengths[0] }) {
            return (400, "The Content-Length fields disagree.")
        }
        guard !codings.isEmpty else { return nil }
        if !lengths.isEmpty {
            return (400, "Send Content-Length or Transfer-Encoding, not both.")
        }
        guard codings.count == 1, codings[0].caseInsensitiveEquals("chunked") else {
            return (501, "The only transfer coding understood is chunked.")
        }
        return nil
    }

    /// `tchar` of RFC 9110 §5.6.2.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
            UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
