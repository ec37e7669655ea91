import HTTPTypes

/// An HTTP response: status, headers and a complete body.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPFields
    public var body: [UInt8]

    public init(status: HTTPStatus, headers: HTTPFields = HTTPFields(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A text response, UTF-8 by default.
    public static func text(
        _ status: HTTPStatus, _ text: String, contentType: String = "text/plain; charset=utf-8"
    ) -> HTTPResponse {
        HTTPResponse(status: status, headers: [.contentType: contentType], body: Array(text.utf8))
    }

    /// A response whose body is already-encoded JSON.
    public static func json(
        _ status: HTTPStatus, _ data: some Sequence<UInt8>, contentType: String = "application/json"
    ) -> HTTPResponse {
        HTTPResponse(status: status, headers: [.contentType: contentType], body: Array(data))
    }
}
