import FakeNLPearl
import MicroHTTP
import NLPearl
import Synchronization

/// Runs `body` with a started fake and stops it afterwards, whatever happens.
func withFake<T>(
    token: String = "acct:secret",
    behaviour: FakeNLPearl.Behaviour = .succeed,
    _ body: (FakeNLPearl) async throws -> T
) async throws -> T {
    let fake = FakeNLPearl(token: token)
    fake.behaviour = behaviour
    try fake.start()
    do {
        let result = try await body(fake)
        await fake.stop()
        return result
    } catch {
        await fake.stop()
        throw error
    }
}

/// Runs `body` with a plain MicroHTTP server on loopback that answers with `respond` and
/// keeps every request it saw, and stops it afterwards; over HTTPS with `tls`.
func withServer<T>(
    tls: HTTPServer.Configuration.TLS? = nil,
    _ respond: @escaping @Sendable (HTTPRequest) -> HTTPResponse,
    _ body: (_ baseURL: String, _ seen: @Sendable () -> [HTTPRequest]) async throws -> T
) async throws -> T {
    let requests = Mutex<[HTTPRequest]>([])
    let server = HTTPServer(configuration: .init(host: "127.0.0.1", port: 0, threads: 1, tls: tls)) { request in
        requests.withLock { $0.append(request) }
        return respond(request)
    }
    try server.start()
    let seen: @Sendable () -> [HTTPRequest] = { requests.withLock { $0 } }
    do {
        let result = try await body("\(tls == nil ? "http" : "https")://127.0.0.1:\(server.port)", seen)
        await server.shutdown(gracePeriod: .seconds(1))
        return result
    } catch {
        await server.shutdown(gracePeriod: .seconds(1))
        throw error
    }
}

/// A client of the fake with the given token and timeout.
///
/// The default timeout is generous, as every wait in these tests that is not itself under test: at the start of a full
/// run, hundreds of tests share the two threads of Swift's cooperative pool, on which the fake answers, and blocking
/// setup elsewhere can hold them for several seconds.
func client(_ baseURL: String, token: String = "acct:secret", timeout: Duration = .seconds(30)) -> NLPearlClient {
    NLPearlClient(configuration: .init(baseURL: baseURL, token: token, timeout: timeout))
}
