import HTTPTypes

/// Checks of a request's head that libmicrohttpd 0.9.75 lets through although they make its body's framing
/// ambiguous: the ways to smuggle a second request past a proxy that reads the head differently.
///
/// RFC 9112 asks a server to refuse them: whitespace or other non-token bytes in a field name (§5.1: `Content-Length :`
/// would pass as another field here, and its body as the next request), `Content-Length` values that disagree
/// (§6.3), `Content-Length` together with `Transfer-Encoding` (§6.1), and a transfer coding other than `chunked`,
/// which MHD cannot decode (§6.1: 501).
enum RequestFraming {
    /// Why the head is refused, as a status and a sentence, or nil when its framing is unambiguous.
    ///
    /// - Parameter namesAreTokens: false when a field name as sent was not a token; `HTTPField.Name` cannot hold
    ///   one, so such a field is missing from `headers` and only this flag tells of it.
    static func refusal(_ headers: HTTPFields, namesAreTokens: Bool) -> (status: HTTPStatus, detail: String)? {
        guard namesAreTokens else { return (.badRequest, "A header field name is not a token.") }
        var lengths: [String] = []
        var codings: [String] = []
        for field in headers {
            if field.name == .contentLength {
                lengths.append(field.value)
            } else if field.name == .transferEncoding {
                codings.append(field.value)
            }
        }
        if lengths.count > 1, lengths.contains(where: { $0 != lengths[0] }) {
            return (.badRequest, "The Content-Length fields disagree.")
        }
        guard !codings.isEmpty else { return nil }
        if !lengths.isEmpty {
            return (.badRequest, "Send Content-Length or Transfer-Encoding, not both.")
        }
        guard codings.count == 1, codings[0].lowercased() == "chunked" else {
            return (.notImplemented, "The only transfer coding understood is chunked.")
        }
        return nil
    }
}
