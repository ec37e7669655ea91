import HTTPTypes

/// One HTTP request as the server received it: the body is the raw bytes, never re-encoded.
public struct HTTPRequest: Sendable {
    /// The method as sent, e.g. `.post`.
    public var method: HTTPMethod
    /// The percent-decoded path without the query, e.g. `/hooks/hubspot`.
    public var path: String
    /// The request target exactly as sent on the request line, e.g. `/hooks/x?token=a%20b`.
    public var rawURI: String
    /// The header fields in the order sent, repeated ones kept.
    public var headers: HTTPFields
    public var body: [UInt8]
    /// False when the request target, the decoded path or a header name or value was not valid UTF-8 as sent.
    ///
    /// Invalid bytes reach ``path``, ``rawURI`` and ``headers`` as U+FFFD, so two different values may read the
    /// same: a handler that compares or stores such text should refuse the request.
    public var isValidUTF8: Bool

    public init(
        method: HTTPMethod, path: String, rawURI: String? = nil, headers: HTTPFields = HTTPFields(), body: [UInt8] = [],
        isValidUTF8: Bool = true
    ) {
        self.method = method
        self.path = path
        self.rawURI = rawURI ?? path
        self.headers = headers
        self.body = body
        self.isValidUTF8 = isValidUTF8
    }

    /// The raw query string after `?`, not decoded, or `nil` when the target has none.
    public var query: String? {
        guard let mark = rawURI.utf8.firstIndex(of: UInt8(ascii: "?")) else { return nil }
        return String(rawURI[rawURI.utf8.index(after: mark)...])
    }

    /// The query's `name=value` pairs, form-decoded (`+` is a space), in order.
    public var queryItems: [(name: String, value: String)] {
        guard let query else { return [] }
        return FormDecoding.pairs(query)
    }
}
