import Foundation
import MicroHTTP
import TestSupport
import Testing

/// HTTPS on the listener: libmicrohttpd with GnuTLS, given PEM strings, checked with curl as an independent client.
@Suite struct TLSTests {
    /// A certificate made for this test, in a folder removed afterwards.
    static func withCertificate<R>(
        _ keyType: SelfSignedCertificate.KeyType = .rsa, _ body: (SelfSignedCertificate) async throws -> R
    ) async throws -> R {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = try await blocking { try SelfSignedCertificate.make(in: directory, keyType: keyType) }
        return try await body(certificate)
    }

    static func configuration(_ certificate: SelfSignedCertificate) -> HTTPServer.Configuration {
        HTTPServer.Configuration(
            tls: .init(certificatePEM: certificate.certificatePEM, keyPEM: certificate.keyPEM))
    }

    @Test(arguments: SelfSignedCertificate.KeyType.allCases)
    func servesHTTPSWithTheGivenCertificate(keyType: SelfSignedCertificate.KeyType) async throws {
        try await Self.withCertificate(keyType) { certificate in
            try await withServer(Self.configuration(certificate), handler: echo) { server in
                // Larger than one TLS record (16 KiB), so the body is reassembled from several.
                let body = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
                let request = CurlRequest(
                    "POST", "https://127.0.0.1:\(server.port)/hooks/x?token=a%2Bb", headers: [("X-Test", "tls")],
                    body: body, trustedCertificate: certificate.certificateFile)
                let response = try await blocking { try request.run() }
                #expect(response.curlStatus == 0, "\(response.stderr)")
                #expect(response.status == 200)
                #expect(response.body == body)
            }
        }
    }

    @Test func theCertificateServedIsTheOneConfigured() async throws {
        try await Self.withCertificate { certificate in
            try await withServer(Self.configuration(certificate), handler: echo) { server in
                let port = server.port
                // curl's default trust store does not know the self-signed certificate: verification must fail.
                let untrusted = try await blocking {
                    try CurlRequest("GET", "https://127.0.0.1:\(port)/ping").run()
                }
                #expect(untrusted.curlStatus == 60, "\(untrusted.stderr)")
                // With it trusted, the same request succeeds, so the handshake presented that certificate.
                let trusted = try await blocking {
                    try CurlRequest(
                        "GET", "https://127.0.0.1:\(port)/ping", trustedCertificate: certificate.certificateFile
                    )
                    .run()
                }
                #expect(trusted.status == 200)
            }
        }
    }

    @Test func plainHTTPOnATLSListenerGetsNoHTTPAnswer() async throws {
        try await Self.withCertificate { certificate in
            try await withServer(Self.configuration(certificate), handler: echo) { server in
                let port = server.port
                let plain = try await blocking {
                    try CurlRequest("GET", "http://127.0.0.1:\(port)/ping").run()
                }
                #expect(plain.curlStatus != 0)
                #expect(plain.status == 0)
            }
        }
    }

    @Test func aKeyThatIsNotPEMStopsTheStart() async throws {
        try await Self.withCertificate { certificate in
            let configuration = HTTPServer.Configuration(
                tls: .init(certificatePEM: certificate.certificatePEM, keyPEM: "-----BEGIN PRIVATE KEY-----\nAAAA\n"))
            let server = HTTPServer(configuration: configuration, handler: echo)
            #expect(throws: HTTPServerError.self) { try server.start() }
        }
    }
}
