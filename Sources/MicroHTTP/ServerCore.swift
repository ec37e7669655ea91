import CMicroHTTPD
import Synchronization

/// What the C callbacks of one daemon share: the handler, the limits, and the requests being handled.
final class ServerCore: Sendable {
    static let shuttingDownResponse = HTTPResponse(
        status: 503, headers: ["Content-Type": "text/plain; charset=utf-8", "Retry-After": "5"],
        body: Array("shutting down\n".utf8))
    static let timeoutResponse = HTTPResponse(
        status: 503, headers: ["Content-Type": "text/plain; charset=utf-8", "Retry-After": "5"],
        body: Array("the request took too long\n".utf8))
    static let tooLargeResponse = HTTPResponse(
        status: 413, headers: ["Content-Type": "text/plain; charset=utf-8"],
        body: Array("request body too large\n".utf8))

    let configuration: HTTPServer.Configuration
    let handler: @Sendable (HTTPRequest) async -> HTTPResponse
    let draining = Atomic<Bool>(false)
    /// Requests between the URI-log and the completion callbacks.
    let activeRequests = Atomic<Int>(0)
    /// Requests whose handler runs, with when it started, for the deadline sweep and for shutdown.
    private let handling = Mutex<[ObjectIdentifier: (context: RequestContext, started: ContinuousClock.Instant)]>([:])
    private let suspended = Atomic<Int>(0)
    private let sweeper = Mutex<Task<Void, Never>?>(nil)

    init(configuration: HTTPServer.Configuration, handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) {
        self.configuration = configuration
        self.handler = handler
    }

    var handlingCount: Int { handling.withLock { $0.count } }
    var suspendedCount: Int { suspended.load(ordering: .acquiring) }

    /// Suspends the connection and runs the handler on the Swift concurrency pool.
    func dispatch(_ request: HTTPRequest, context: RequestContext, connection: OpaquePointer) {
        let handle = ConnectionHandle(pointer: connection)
        context.outcome.withLock { $0 = .handling(connection: handle) }
        // Suspend before the context becomes visible to the deadline sweep and to shutdown: resuming a connection
        // that is not suspended yet would leave it suspended for ever.
        suspended.add(1, ordering: .relaxed)
        MHD_suspend_connection(connection)
        handling.withLock { $0[ObjectIdentifier(context)] = (context, .now) }
        let handler = self.handler
        Task {
            let response = await handler(request)
            self.answer(context, with: response)
        }
    }

    /// Resumes the connection with this response, unless it was answered already (deadline or shutdown).
    func answer(_ context: RequestContext, with response: HTTPResponse) {
        guard let connection = context.answer(response) else { return }
        handling.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(context)) }
        MHD_resume_connection(connection.pointer)
        suspended.subtract(1, ordering: .releasing)
    }

    func answerAllHandling(with response: HTTPResponse) {
        let contexts = handling.withLock { $0.values.map(\.context) }
        for context in contexts {
            answer(context, with: response)
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
                let late = self.handling.withLock { entries in
                    entries.values.filter { now - $0.started > timeout }.map(\.context)
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
}
