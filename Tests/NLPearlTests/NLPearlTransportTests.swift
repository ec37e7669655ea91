import Foundation
import MicroHTTP
import NIOCore
import NIOSSL
import TestSupport
import Testing

@testable import NLPearl

/// The bridge's own HTTP client for NLPearl: what it does with connections, TLS and the base URL. What NLPearl's
/// answers become is `NLPearlClientTests`'s.
@Suite("NLPearl's transport")
struct NLPearlTransportTests {
    static func delete(_ transport: NLPearlTransport, _ baseURL: String) async -> Int? {
        let answer = await transport.exchange(
            .DELETE, url: baseURL + "/v2/Outbound/P/Leads", headers: ["Authorization": "Bearer acct:secret"],
            body: Array(#"{"leadIds":["L1"]}"#.utf8), timeout: .seconds(30), maxResponseBytes: 1 << 20)
        return try? answer.get().status
    }

    @Test("calls one after another share one connection; calls at once each open their own, and both are kept")
    func keepsConnections() async throws {
        // The fourth and fifth requests are answered only once both arrived: they are in flight together.
        let server = try await CountingServer { _, onServer in onServer == 4 ? .answerOnceSeen(5) : .answer }
        let transport = NLPearlTransport(baseURL: server.baseURL)
        for _ in 0..<3 { #expect(await Self.delete(transport, server.baseURL) == 200) }
        #expect(server.connections == 1)
        async let first = Self.delete(transport, server.baseURL)
        async let second = Self.delete(transport, server.baseURL)
        #expect(await [first, second] == [200, 200])
        #expect(server.connections == 2)
        for _ in 0..<4 { #expect(await Self.delete(transport, server.baseURL) == 200) }
        #expect(server.connections == 2)
        #expect(server.requests == 9)
        try await server.stop()
    }

    @Test("an answer with Connection: close ends its connection, and the next call opens another")
    func connectionClose() async throws {
        let server = try await CountingServer { _, _ in .answerAndClose }
        let transport = NLPearlTransport(baseURL: server.baseURL)
        for _ in 0..<3 { #expect(await Self.delete(transport, server.baseURL) == 200) }
        #expect(server.connections == 3)
        try await server.stop()
    }

    @Test("bytes that arrive on a kept connection between calls end it: they are no answer to the next call")
    func unaskedBytesEndTheConnection() async throws {
        let server = try await CountingServer { _, onServer in onServer == 1 ? .answerThenUnasked408 : .answer }
        let transport = NLPearlTransport(baseURL: server.baseURL)
        #expect(await Self.delete(transport, server.baseURL) == 200)
        try await Task.sleep(for: .milliseconds(100))
        #expect(await Self.delete(transport, server.baseURL) == 200)
        #expect(server.connections == 2)
        try await server.stop()
    }

    @Test("a kept connection that closes before any answer is replaced, once, and the call is answered")
    func keptConnectionClosedIsReplaced() async throws {
        let server = try await CountingServer { onConnection, _ in onConnection == 2 ? .drop : .answer }
        let transport = NLPearlTransport(baseURL: server.baseURL)
        #expect(await Self.delete(transport, server.baseURL) == 200)
        #expect(await Self.delete(transport, server.baseURL) == 200)
        #expect(server.connections == 2)
        #expect(server.requests == 3)
        try await server.stop()
    }

    @Test("a connection that closes before any answer fails the call when it was new, and after the one new try")
    func closedBeforeAnswerFails() async throws {
        let dropping = try await CountingServer { _, _ in .drop }
        let fresh = NLPearlTransport(baseURL: dropping.baseURL)
        let answer = await fresh.exchange(
            .DELETE, url: dropping.baseURL + "/v2/Outbound/P/Leads", headers: [:], body: nil, timeout: .seconds(30),
            maxResponseBytes: 1024)
        #expect(answer.failure == .closedEarly)
        #expect(dropping.requests == 1)
        try await dropping.stop()

        let onceOnly = try await CountingServer { _, onServer in onServer == 1 ? .answer : .drop }
        let transport = NLPearlTransport(baseURL: onceOnly.baseURL)
        #expect(await Self.delete(transport, onceOnly.baseURL) == 200)
        #expect(await Self.delete(transport, onceOnly.baseURL) == nil)
        #expect(onceOnly.requests == 3)
        #expect(onceOnly.connections == 2)
        try await onceOnly.stop()
    }

    @Test("a connection kept longer than maxIdle is closed rather than used")
    func idleConnectionRetired() async throws {
        let server = try await CountingServer()
        let transport = NLPearlTransport(baseURL: server.baseURL, maxIdle: .milliseconds(50))
        #expect(await Self.delete(transport, server.baseURL) == 200)
        try await Task.sleep(for: .milliseconds(200))
        #expect(await Self.delete(transport, server.baseURL) == 200)
        #expect(server.connections == 2)
        try await server.stop()
    }

    @Test("a kept connection that no call takes is closed too once past maxIdle, while another serves the calls")
    func unusedIdleConnectionRetired() async throws {
        // The first two requests are answered only once both arrived: two connections are kept.
        let server = try await CountingServer { _, onServer in onServer <= 2 ? .answerOnceSeen(2) : .answer }
        let transport = NLPearlTransport(baseURL: server.baseURL, maxIdle: .milliseconds(200))
        async let first = Self.delete(transport, server.baseURL)
        async let second = Self.delete(transport, server.baseURL)
        #expect(await [first, second] == [200, 200])
        // Calls every 120 ms keep the latest connection young; the other passes 200 ms unused.
        for _ in 0..<2 {
            try await Task.sleep(for: .milliseconds(120))
            #expect(await Self.delete(transport, server.baseURL) == 200)
        }
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(2))
        while server.closedConnections == 0, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(server.closedConnections >= 1)
        try await server.stop()
    }

    @Test("https: answered when the certificate is trusted; when it is not, or names another host, nothing is sent")
    func tls() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "nlpearl-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = try await blocking { try SelfSignedCertificate.make(in: directory, keyType: .ecdsa) }
        var trusting = TLSConfiguration.makeClientConfiguration()
        trusting.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(certificate.certificatePEM.utf8)))
        let token = "acct:do-not-leak-this-secret"
        let tls = HTTPServer.Configuration.TLS(certificatePEM: certificate.certificatePEM, keyPEM: certificate.keyPEM)

        try await withServer(tls: tls, { _ in .init(status: .ok, body: Array("true".utf8)) }) { baseURL, seen in
            #expect(baseURL.hasPrefix("https://127.0.0.1:"))
            let trusted = NLPearlClient(
                configuration: .init(baseURL: baseURL, token: token),
                transport: NLPearlTransport(baseURL: baseURL, tlsConfiguration: trusting))
            #expect(await trusted.deleteLeads(pearlId: "P", leadIds: ["L1"]) == .deleted)
            #expect(seen().count == 1)

            // The system's trust roots do not know the test's certificate.
            let untrusted = await client(baseURL, token: token).deleteLeads(pearlId: "P", leadIds: ["L1"])
            guard case .connectionFailed(let message) = untrusted else {
                Issue.record("expected .connectionFailed, got \(untrusted)")
                return
            }
            #expect(message.hasPrefix("cannot reach \(baseURL):"))
            #expect(message.contains("CERTIFICATE_VERIFY_FAILED"))
            #expect(!message.contains("do-not-leak"))

            #expect(seen().count == 1)
        }

        // Trusted, but made for another name than the address called.
        let otherDirectory = directory.appendingPathComponent("other", isDirectory: true)
        try FileManager.default.createDirectory(at: otherDirectory, withIntermediateDirectories: true)
        let other = try await blocking {
            try SelfSignedCertificate.make(in: otherDirectory, keyType: .ecdsa, name: "DNS:api.nlpearl.example")
        }
        trusting.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(other.certificatePEM.utf8)))
        let otherTLS = HTTPServer.Configuration.TLS(certificatePEM: other.certificatePEM, keyPEM: other.keyPEM)
        try await withServer(tls: otherTLS, { _ in .init(status: .ok, body: Array("true".utf8)) }) { baseURL, seen in
            let mismatch = await NLPearlClient(
                configuration: .init(baseURL: baseURL, token: token),
                transport: NLPearlTransport(baseURL: baseURL, tlsConfiguration: trusting)
            ).deleteLeads(pearlId: "P", leadIds: ["L1"])
            guard case .connectionFailed(let message) = mismatch else {
                Issue.record("expected .connectionFailed, got \(mismatch)")
                return
            }
            #expect(message.contains("failedToValidateHostname"), "\(message)")
            #expect(seen().isEmpty)
        }
    }

    @Test(
        "the origin of a base URL: scheme, host, port, Host header, and the request target after it",
        arguments: [
            ("https://api.nlpearl.ai", true, "api.nlpearl.ai", 443, "api.nlpearl.ai", "/v2/x"),
            ("http://127.0.0.1:8099/nlpearl", false, "127.0.0.1", 8099, "127.0.0.1:8099", "/nlpearl/v2/x"),
            ("HTTPS://[::1]:8443", true, "::1", 8443, "[::1]:8443", "/v2/x"),
            ("http://[::1]", false, "::1", 80, "[::1]", "/v2/x"),
        ])
    func origin(baseURL: String, secure: Bool, host: String, port: Int, authority: String, target: String) throws {
        let origin = try NLPearlOrigin.parse(baseURL).get()
        #expect(origin.isSecure == secure)
        #expect(origin.host == host)
        #expect(origin.port == port)
        #expect(origin.authority == authority)
        #expect(origin.target(of: baseURL + "/v2/x") == target)
        #expect(origin.target(of: String(baseURL.prefix(origin.prefixLength))) == "/")
        #expect(origin.hostIsAddress == (host != "api.nlpearl.ai"))
    }

    @Test(
        "a base URL that is not http(s) with a host and a valid port fails every call, saying why",
        arguments: [
            "ftp://host", "https://user:secret@host", "https://:443", "https://host:0", "https://host:70000",
            "https://[::1", "https://[::1]x", "host",
        ])
    func unusableBaseURL(baseURL: String) async throws {
        guard case .failure(.unusableBaseURL) = NLPearlOrigin.parse(baseURL) else {
            Issue.record("\(baseURL) was read as usable")
            return
        }
        let outcome = await client(baseURL).deleteLeads(pearlId: "P", leadIds: ["L1"])
        guard case .connectionFailed(let message) = outcome else {
            Issue.record("expected .connectionFailed, got \(outcome)")
            return
        }
        #expect(message.hasPrefix("the base URL is not a usable http(s) URL ("))
        #expect(!message.contains("secret"))
    }
}

extension Result {
    /// The failure, if it is one.
    fileprivate var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
