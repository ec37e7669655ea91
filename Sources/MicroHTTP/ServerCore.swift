import CMicroHTTPD
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What the C callbacks of one daemon share: the handler, the limits, and the requests being handled.
final class ServerCore: Sendable {
    // RFC 9457 problem JSON rather than text: the error shape that API clients (and SPEC §5) expect.
    static let shuttingDownResponse = problem(503, "Service Unavailable", "The server is shutting down; try again.")
    static let timeoutResponse = problem(503, "Service Unavailable", "The request took too long; try again.")

    /// An error answered before the handler runs, titled with the status's reason phrase.
    static func problem(_ status: Int, _ detail: String) -> HTTPResponse {
        let titles = [400: "Bad Request", 413: "Content Too Large", 501: "Not Implemented", 503: "Service Unavailable"]
        return problem(status, titles[status] ?? "Error", detail)
    }

    private static func problem(_ status: Int, _ title: String, _ detail: String) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "application/problem+json"]
        if status == 503 { headers.add(name: "Retry-After", value: "5") }
        let body = #"{"type":"about:blank","title":"\#(title)","status":\#(status),"detail":"\#(detail)"}"#
        return HTTPResponse(status: status, headers: headers, body: Array(body.utf8))
    }

    let configuration: HTTPServer.Configuration
    let tooLargeResponse: HTTPResponse
    let handler: @Sendable (HTTPRequest) async -> HTTPResponse
    let draining = Atomic<Bool>(false)
    /// Requests between the URI-log and the completion callbacks.
    let activeRequests = Atomic<Int>(0)
    /// Requests whose handler runs, with when it started, for the deadline sweep and for shutdown.
    private let handling = Mutex(Handling())
    /// Connections suspended and not resumed yet: more than ``handling`` holds while an answer is on its way.
    private let suspended = Atomic<Int>(0)
    private let sweeper = Mutex<Task<Void, Never>?>(nil)

    init(configuration: HTTPServer.Configuration, handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) {
        self.configuration = configuration
        self.tooLargeResponse = Self.problem(
            413, "Content Too Large", "The request body is larger than \(configuration.maxBodyBytes) bytes.")
        self.handler = handler
    }

    var handlingCount: Int { handling.withLock { $0.entries.count } }

    /// Suspends the connection and runs the handler on the Swift concurrency pool.
    ///
    /// - Returns: false, and suspends nothing, once ``close(answeringWith:)`` ran: the caller answers at once.
    func dispatch(_ request: HTTPRequest, context: RequestContext, connection: OpaquePointer) -> Bool {
        let handle = ConnectionHandle(pointer: connection)
        // Suspend before the context becomes visible to the deadline sweep and to shutdown (resuming a connection
        // that is not suspended yet would leave it suspended for ever), and under the same lock as `close`, so that
        // no connection is suspended after it.
        let accepted = handling.withLock { handling in
            guard !handling.closed else { return false }
            context.outcome.withLock { $0 = .handling(connection: handle) }
            suspended.add(1, ordering: .relaxed)
            MHD_suspend_connection(connection)
            handling.entries[ObjectIdentifier(context)] = (context, .now)
            return true
        }
        guard accepted else { return false }
        let handler = self.handler
        Task {
            let response = await handler(request)
            self.answer(context, with: response)
        }
        return true
    }

    /// Resumes the connection with this response, unless it was answered already (deadline or shutdown).
    func answer(_ context: RequestContext, with response: HTTPResponse) {
        guard let connection = context.answer(response) else { return }
        handling.withLock { _ = $0.entries.removeValue(forKey: ObjectIdentifier(context)) }
        MHD_resume_connection(connection.pointer)
        suspended.subtract(1, ordering: .releasing)
    }

    /// Answers every handler still running, makes ``dispatch(_:context:connection:)`` refuse from now on, and
    /// returns once no connection is suspended.
    ///
    /// MHD_stop_daemon aborts the process when it meets a suspended connection; after this it can be called. A
    /// request whose body ends during shutdown is answered 503 on the spot instead of being suspended with nobody
    /// left to resume it. The wait has no deadline: once `closed` is set, the only connections still suspended are
    /// those whose answer another thread is resuming right now, which takes microseconds.
    func close(answeringWith response: HTTPResponse) {
        let contexts = handling.withLock { handling in
            handling.closed = true
            return handling.entries.values.map(\.context)
        }
        for context in contexts {
            answer(context, with: response)
        }
        while suspended.load(ordering: .acquiring) > 0 {
            usleep(100)
        }
    }

    /// Answers 503 to handlers past ``HTTPServer/Configuration/requestTimeout``, a few times a second.
    func startDeadlineSweeper() {
        let timeout = configuration.requestTimeout
        let period = min(Duration.milliseconds(250), timeout / 4)
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                guard let self else { return }
                let now = ContinuousClock.now
                let late = self.handling.withLock { handling in
                    handling.entries.values.filter { now - $0.started > timeout }.map(\.context)
                }
                for context in late {
                    self.answer(context, with: Self.timeoutResponse)
                }
            }
        }
        sweeper.withLock { $0 = task }
    }

    func stopDeadlineSweeper() {
        sweeper.withLock { $0?.cancel() }
    }

    private struct Handling {
        var entries: [ObjectIdentifier: (context: RequestContext, started: ContinuousClock.Instant)] = [:]
        var closed = false
    }
}
