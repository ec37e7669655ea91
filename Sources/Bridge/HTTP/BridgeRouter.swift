import Config
import Foundation
import Logging
import MicroHTTP
import OptOutCore
import Senders
import Synchronization

/// Routes requests to the endpoints of SPEC §5 and does what every answer needs: `X-Request-Id`, metrics, a log line
/// (``AccessLog``).
public struct BridgeRouter: Sendable {
    public struct Settings: Sendable {
        public var api: BridgeConfiguration.APISettings
        public var ackMode: BridgeConfiguration.AckMode
        public var unmapped: BridgeConfiguration.UnmappedPolicy
        public var defaultCountryCode: String?

        public init(
            api: BridgeConfiguration.APISettings, ackMode: BridgeConfiguration.AckMode = .durable,
            unmapped: BridgeConfiguration.UnmappedPolicy = .suppress, defaultCountryCode: String? = nil
        ) {
            self.api = api
            self.ackMode = ackMode
            self.unmapped = unmapped
            self.defaultCountryCode = defaultCountryCode
        }
    }

    let settings: Settings
    let optOuts: OptOutsEndpoint
    let webhooks: WebhookEndpoint
    let suppressions: SuppressionsEndpoint
    let health: HealthEndpoints
    let metrics: BridgeMetrics
    let logger: Logger
    let accessLog: AccessLog

    public init(
        settings: Settings, senders: [any WebhookSender] = [], intake: Intake, readiness: Readiness,
        metrics: BridgeMetrics, logger: Logger
    ) {
        self.settings = settings
        self.optOuts = OptOutsEndpoint(settings: settings, intake: intake, journal: readiness.journal, metrics: metrics)
        self.webhooks = WebhookEndpoint(
            senders: Dictionary(uniqueKeysWithValues: senders.map { ($0.name, $0) }), intake: intake,
            ackMode: settings.ackMode, unmapped: settings.unmapped, metrics: metrics)
        self.suppressions = SuppressionsEndpoint(
            authentication: APIAuthentication(api: settings.api), journal: readiness.journal,
            defaultCountryCode: settings.defaultCountryCode)
        self.health = HealthEndpoints(readiness: readiness, metrics: metrics)
        self.metrics = metrics
        self.logger = logger
        self.accessLog = AccessLog(logger: logger)
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let started = ContinuousClock.now
        let requestId = Self.requestId(from: request)
        var logger = self.logger
        logger[metadataKey: "request_id"] = .string(requestId)
        let (route, response) = await route(request, requestId: requestId, logger: logger)
        var answered = response
        answered.headers[.requestId] = requestId
        if request.method == .head {
            answered.body = []
        }
        metrics.recordRequest(route: route, status: answered.status.code)
        accessLog.record(
            method: request.method.rawValue, path: request.path, status: answered.status.code, requestId: requestId,
            duration: ContinuousClock.now - started)
        return answered
    }

    private func route(_ request: HTTPRequest, requestId: String, logger: Logger) async -> (String, HTTPResponse) {
        // Invalid bytes arrive as U+FFFD, so two different keys, ids or signatures could read the same.
        guard request.isValidUTF8 else {
            return ("unknown", Problem.badRequest("The request target or a header is not valid UTF-8.").response)
        }
        let path = request.path
        switch path {
        case "/v1/opt-outs":
            guard request.method == .post else { return ("api", Self.notAllowed(request, [.post])) }
            return ("api", await optOuts.submit(request, requestId: requestId, logger: logger))
        case "/v1/suppressions/check":
            guard request.method == .post else { return ("suppressions", Self.notAllowed(request, [.post])) }
            return ("suppressions", await suppressions.check(request))
        case "/healthz":
            guard Self.isRead(request) else { return ("healthz", Self.notAllowed(request, [.get, .head])) }
            return ("healthz", health.healthz())
        case "/readyz":
            guard Self.isRead(request) else { return ("readyz", Self.notAllowed(request, [.get, .head])) }
            return ("readyz", await health.readyz())
        case "/metrics":
            guard Self.isRead(request) else { return ("metrics", Self.notAllowed(request, [.get, .head])) }
            return ("metrics", await health.metrics())
        case "/openapi.json":
            guard Self.isRead(request) else { return ("openapi", Self.notAllowed(request, [.get, .head])) }
            return ("openapi", .json(200, OpenAPIDocument.json))
        default:
            if path.hasPrefix("/v1/opt-outs/") {
                guard Self.isRead(request) else { return ("api", Self.notAllowed(request, [.get, .head])) }
                let id = String(path.dropFirst("/v1/opt-outs/".count))
                return ("api", await optOuts.show(id: id, request: request))
            }
            if path.hasPrefix("/v1/suppressions/") {
                guard Self.isRead(request) else { return ("suppressions", Self.notAllowed(request, [.get, .head])) }
                let key = String(path.dropFirst("/v1/suppressions/".count))
                return ("suppressions", await suppressions.show(key: key, request: request))
            }
            if path.hasPrefix("/hooks/") {
                let name = String(path.dropFirst("/hooks/".count))
                let route = webhooks.senders[name] == nil ? "unknown" : name
                return (route, await webhooks.handle(request, name: name, requestId: requestId, logger: logger))
            }
            return ("unknown", Problem.notFound("Nothing is served at \(path).").response)
        }
    }

    /// The answer to a request that the listener refuses itself (shutting down, past its deadline, or too many bodies
    /// held at once), in the
    /// dialect of whoever sent it: a sender's own retry answer at `/hooks/{name}` (GoHighLevel 429, Salesforce a SOAP
    /// fault, the others 503), a problem elsewhere. Each says `Retry-After`, so nothing refused is lost: the sender
    /// sends it again.
    public func refusal(_ refusal: Refusal) -> HTTPResponse {
        let detail =
            switch refusal.reason {
            case .shuttingDown: "The service is restarting; nothing was accepted. Send it again."
            case .timedOut: "The answer took too long; the opt-out may be journaled. Send it again (same event id)."
            case .busy: "Too many requests are being received at once; nothing was accepted. Send it again."
            }
        let problem = Problem("unavailable", title: "Service Unavailable", status: 503, detail: detail)
        if refusal.path.hasPrefix("/hooks/"), let sender = webhooks.senders[String(refusal.path.dropFirst(7))] {
            return sender.respond(.retryLater(seconds: 5, problem: problem))
        }
        var response = problem.response
        response.headers[.retryAfter] = "5"
        return response
    }

    private static func isRead(_ request: HTTPRequest) -> Bool {
        request.method == .get || request.method == .head
    }

    /// A 405 whose `Allow` lists the methods served here (RFC 9110 §15.5.6).
    static func notAllowed(_ request: HTTPRequest, _ allowed: [HTTPMethod]) -> HTTPResponse {
        let names = allowed.map(\.rawValue)
        var response = Problem.methodNotAllowed(request.method.rawValue, allowed: names).response
        response.headers[.allow] = names.joined(separator: ", ")
        return response
    }

    /// The caller's `X-Request-Id` when it is a sane token, else a new one.
    static func requestId(from request: HTTPRequest) -> String {
        if let given = request.headers["X-Request-Id"], (1...128).contains(given.utf8.count),
            given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        {
            return given
        }
        return RequestIDs.next()
    }
}

/// The ids of requests that bring no `X-Request-Id`: `req_` and up to 13 base-36 digits.
///
/// Each is a bijective mix of a random key, drawn once per process, and a counter: unique within the process without
/// a lock or a system call (two `getrandom` calls per request cost more than routing it), and neither guessable nor
/// telling how many requests came before.
enum RequestIDs {
    private static let key: UInt64 = {
        var generator = SystemRandomNumberGenerator()
        return generator.next()
    }()
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        "req_" + String(mix(key &+ counter.add(1, ordering: .relaxed).newValue), radix: 36)
    }

    /// SplitMix64's finalizer: a bijection of the 64-bit integers, so distinct inputs give distinct ids.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
