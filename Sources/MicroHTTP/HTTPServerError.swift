/// Why an ``HTTPServer`` could not start.
public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    public let description: String

    static func cannotStart(host: String, port: Int, tls: Bool) -> HTTPServerError {
        HTTPServerError(
            description: "cannot listen on \(host):\(port)\(tls ? " with TLS" : ""): "
                + "the address must be a numeric IPv4/IPv6 address or localhost, the port free, "
                + "and the TLS certificate and key valid PEM")
    }

    static let alreadyStarted = HTTPServerError(description: "the server is already started")
}
