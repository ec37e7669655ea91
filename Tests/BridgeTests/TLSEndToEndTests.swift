import Foundation
import TestSupport
import Testing

/// The service configured with `listen.tls`, reached over HTTPS by curl trusting a certificate made for the test.
@Suite struct TLSEndToEndTests {
    @Test func theServiceAnswersOverHTTPSFromListenTLS() async throws {
        let directory = try makeTemporaryDirectory("bridge-tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = try await blocking { try SelfSignedCertificate.make(in: directory, keyType: .ecdsa) }
        let bridge = try await BridgeHarness(overrides: [
            "listen": [
                "tls": ["certificateFile": certificate.certificateFile.path, "keyFile": certificate.keyFile.path]
            ]
        ])
        let base = "https://127.0.0.1:\(bridge.port)"
        let trusted = certificate.certificateFile

        let health = try await blocking { try CurlRequest("GET", "\(base)/healthz", trustedCertificate: trusted).run() }
        #expect(health.curlStatus == 0, "\(health.stderr)")
        #expect(health.status == 200)

        let optOut = CurlRequest(
            "POST", "\(base)/v1/opt-outs",
            headers: [("Authorization", "Bearer \(BridgeHarness.apiToken)"), ("Content-Type", "application/json")],
            body: Array(#"{"keys": ["email:jane.doe@example.com"]}"#.utf8), trustedCertificate: trusted)
        let answer = try await blocking { try optOut.run() }
        #expect(answer.status == 200, "\(answer.text) \(answer.stderr)")
        #expect((answer.json as? [String: Any])?["status"] as? String == "deleted")
        #expect(bridge.fake.deletedLeads[examplePearl] == ["lead-jane"])

        // The listener speaks only TLS: a plain-HTTP request gets no HTTP answer at all.
        let port = bridge.port
        let plain = try await blocking { try CurlRequest("GET", "http://127.0.0.1:\(port)/healthz").run() }
        #expect(plain.status == 0)
        await bridge.stop()
    }
}
