import MicroHTTP
import Synchronization

/// A strict fake of NLPearl's `DELETE /v2/Outbound/{pearlId}/Leads`, `POST /v2/Account/Blacklist` and lead
/// endpoints (Add Lead, Add Leads, Search Leads, Get Lead), as a real HTTP server.
///
/// Every request is checked against its endpoint's contract by ``ContractValidator``:
/// a breach is recorded in ``violations`` and answered 400 (401 for a missing or malformed
/// `Authorization`, 404/405 for another path or method); a well-formed bearer token other than the
/// configured one is answered 401 with no body. Requests that keep the contract are answered as
/// ``behaviour`` says. Every request is kept in ``calls`` (up to `callHistoryLimit`), with its
/// ``Call/endpoint``.
///
/// A blacklist call answered 200 `true` adds its numbers to ``blacklistedNumbers``. A number already on
/// the blacklist is taken again and answered `true`: NLPearl's reference says nothing of re-adding one,
/// and an idempotent add is what a retried call needs.
///
/// The fake keeps leads per campaign (``addLeads(_:to:)``, ``leads(in:)``): Add Lead and Add Leads add to them,
/// Search Leads and Get Lead read them, and a delete answered 200 `true` removes the leads it names (ids the
/// store does not hold are still answered `true`, as before). Every campaign id names a campaign, empty until
/// leads are added: the fake does not model which campaigns an account has. Search Leads matches `searchInput`
/// as a substring of the phone number or the external id, in any ASCII letter case (see ``LeadSearch``), and
/// answers in the order leads were added unless `sortProp` says otherwise.
///
/// ```swift
/// let fake = FakeNLPearl()
/// try fake.start()
/// fake.behaviour = .rejectLeads(["L2"])
/// // ... point the client at fake.baseURL ...
/// await fake.stop()
/// ```
public final class FakeNLPearl: Sendable {
    /// The token that requests must carry as `Authorization: Bearer <token>`.
    public let token: String
    /// The address the server listens on.
    public let host: String

    let core: Core
    private let server: HTTPServer

    /// The largest request body the fake reads: 64 MiB, room for 50,000 leads with `callData`, so that the
    /// contract's own limit, not the server's, refuses a larger Add Leads.
    public static let maxBodyBytes = 64 << 20

    /// Creates a fake; ``start()`` binds it.
    ///
    /// - Parameters:
    ///   - token: The expected token, `AccountId:SecretKey`.
    ///   - host: The address to listen on.
    ///   - port: The port; 0 picks a free one (read ``port`` after ``start()``).
    ///   - threads: libmicrohttpd worker threads.
    ///   - callHistoryLimit: How many of the latest calls ``calls`` keeps, so that a long benchmark
    ///     does not grow without bound; ``callCount`` counts them all.
    ///   - onCall: Called once per answered request, after it is recorded (the CLI prints it).
    public init(
        token: String = "acct:secret",
        host: String = "127.0.0.1",
        port: Int = 0,
        threads: Int = 2,
        callHistoryLimit: Int = 100_000,
        onCall: (@Sendable (Call) -> Void)? = nil
    ) {
        self.token = token
        self.host = host
        let core = Core(validator: ContractValidator(token: token), historyLimit: callHistoryLimit, onCall: onCall)
        self.core = core
        // Delays are the fake's business: MicroHTTP's own handler deadline must not cut them short.
        let configuration = HTTPServer.Configuration(
            host: host, port: port, threads: threads, maxBodyBytes: Self.maxBodyBytes, requestTimeout: .seconds(3600)
        )
        self.server = HTTPServer(configuration: configuration) { request in await core.handle(request) }
    }

    /// Binds and serves on the server's own threads; returns at once.
    public func start() throws {
        try server.start()
    }

    /// Ends pending delays (their calls are answered as planned) and stops the server.
    public func stop() async {
        core.stopSignal.stop()
        await server.shutdown(gracePeriod: .seconds(2))
    }

    /// The bound port, once started.
    public var port: Int { server.port }

    /// `http://HOST:PORT`, for the client's base URL.
    public var baseURL: String {
        let address = host.contains(":") ? "[\(host)]" : host
        return "http://\(address):\(port)"
    }

    /// How valid requests are answered; setting it restarts scripts. `.succeed` at first.
    public var behaviour: Behaviour {
        get { core.state.withLock { $0.responder.behaviour } }
        set { core.state.withLock { $0.responder.set(newValue) } }
    }

    /// The latest requests, oldest first.
    public var calls: [Call] { core.state.withLock { $0.calls } }

    /// How many requests were answered since the start, including those no longer in ``calls``.
    public var callCount: Int { core.state.withLock { $0.callCount } }

    /// Every contract violation seen, as `METHOD URI: what is wrong`.
    public var violations: [String] { core.state.withLock { $0.violations } }

    /// The leads that answers of 200 `true` reported deleted so far, by pearlId.
    public var deletedLeads: [String: Set<String>] { core.state.withLock { $0.deletedLeads } }

    /// The numbers and prefixes that blacklist calls answered 200 `true` added so far.
    public var blacklistedNumbers: Set<String> { core.state.withLock { $0.blacklistedNumbers } }

    /// Forgets calls, violations, deleted leads, the blacklist and every campaign's leads; keeps the behaviour.
    public func reset() {
        core.state.withLock { state in
            state.calls = []
            state.callCount = 0
            state.violations = []
            state.deletedLeads = [:]
            state.blacklistedNumbers = []
            state.leads = LeadStore()
        }
    }

    /// Waits until ``callCount`` reaches `count`.
    ///
    /// - Returns: True when it did, false when `timeout` passed first.
    public func waitForCalls(count: Int, timeout: Duration) async -> Bool {
        await core.waitForCalls(count: count, timeout: timeout)
    }
}
