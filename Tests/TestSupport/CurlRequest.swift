import Foundation

/// One HTTPS request made with `curl`, so the TLS client is an independent, real one.
public struct CurlRequest: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var body: [UInt8]
        /// curl's exit status: 0, or why the exchange failed (60: certificate not trusted, 35: handshake failed).
        public var curlStatus: Int32
        public var stderr: String

        public var text: String { String(decoding: body, as: UTF8.self) }
        public var json: Any? { try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]) }
    }

    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]?
    /// The certificate curl trusts; nil keeps curl's default trust store.
    public var trustedCertificate: URL?

    public init(
        _ method: String, _ url: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        trustedCertificate: URL? = nil
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.trustedCertificate = trustedCertificate
    }

    /// Runs curl and waits for it. Blocks the calling thread: call it inside ``blocking(_:)``.
    public func run() throws -> Response {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let bodyOut = scratch.appendingPathComponent("response")
        var arguments = [
            "--silent", "--show-error", "--noproxy", "*", "--max-time", "30", "--request", method,
            "--output", bodyOut.path, "--write-out", "%{http_code}",
        ]
        if let trustedCertificate { arguments += ["--cacert", trustedCertificate.path] }
        for (name, value) in headers { arguments += ["--header", "\(name): \(value)"] }
        if let body {
            let bodyIn = scratch.appendingPathComponent("request")
            try Data(body).write(to: bodyIn)
            arguments += ["--data-binary", "@\(bodyIn.path)"]
        }
        let result = try ExternalTool.run("curl", arguments + [url])
        let received = (try? Data(contentsOf: bodyOut)).map { [UInt8]($0) } ?? []
        return Response(
            status: Int(result.text) ?? 0, body: received, curlStatus: result.status, stderr: result.stderr)
    }
}
