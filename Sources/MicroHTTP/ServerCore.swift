import CMicroHTTPD
import HTTPTypes
import JSON
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// What the C callbacks of one daemon share: the handler, the limits, and the requests being handled.
final class ServerCore: Sendable {
    /// An error answered before the handler runs, titled with the status's reason phrase (a named status, such as
    /// `.badRequest`, carries one; a bare code does not and is titled "Error").
    static func problem(_ status: HTTPStatus, _ detail: String) -> HTTPResponse {
        problem(status, status.reasonPhrase.isEmpty ? "Error" : status.reasonPhrase, detail)
    }

    private static func problem(_ status: HTTPStatus, _ title: String, _ detail: String) -> HTTPResponse {
        var headers: HTTPFields = [.contentType: "application/problem+json"]
        if status == .serviceUnavailable { headers.append(HTTPField(name: .retryAfter, value: "5")) }
        let body = JSONWriter.bytes { json in
            json.object { json in
                json.member("type", "about:blank")
                json.member("title", title)
                json.member("status", status.code)
                json.member("detail", detail)
            }
        }
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    let configuration: HTTPServer.Configuration
    let tooLargeResponse: HTTPResponse
    let handler: @Sendable (HTTPRequest) async -> HTTPResponse
    let refusal: HTTPServer.RefusalResponder
    /// Set at shutdown: requests are still taken and handled, and answered with `Connection: close`.
    let draining = Atomic<Bool>(false)
    /// Set once the grace period ended (``close()``): every request is refused, in the application's dialect.
    let refusing = Atomic<Bool>(false)
    /// Requests between the URI-log and the completion callbacks.
    let activeRequests = Atomic<Int>(0)
    /// Wakes a shutdown waiting for the last request to be sent and completed.
    let noActiveRequests = IdleSignal()
    /// Body bytes reserved by requests between their first and their completion callbacks.
    let bufferedBytes = Atomic<Int>(0)
    /// Requests whose handler runs, for the deadline sweep and for shutdown. Every request takes this lock twice, on
    /// libmicrohttpd's threads and on the pool's, so what it guards is a list threaded through the requests
    /// themselves: adding or removing one is a few stores, where a dictionary's hashing and probing held it long
    /// enough for the other threads to spin on it.
    private let handling = Mutex(Handling())
    /// Wakes a shutdown waiting for the last handler to be answered.
    private let noHandlers = IdleSignal()
    /// Connections suspended and not resumed yet: more than ``handling`` holds while an answer is on its way.
    private let suspended = Atomic<Int>(0)
    /// Wakes ``close()`` once the last suspended connection was resumed.
    private let noneSuspended = IdleSignal()
    /// Connections suspended since the start: a handler that answered before it suspended left its connection alone.
    let suspensions = Atomic<Int>(0)
    private let sweeper = Mutex<Task<Void, Never>?>(nil)

    init(
        configuration: HTTPServer.Configuration, refusal: HTTPServer.RefusalResponder?,
        handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse
    ) {
        self.configuration = configuration
        self.tooLargeResponse = Self.problem(
            .contentTooLarge, "The request body is larger than \(configuration.maxBodyBytes) bytes.")
        self.refusal = refusal ?? { $0.defaultResponse }
        self.handler = handler
    }

    /// Reserves `count` bytes of ``HTTPServer/Configuration/maxBufferedBodyBytes`` for one request's body.
    ///
    /// - Returns: false, reserving nothing, when they would pass the limit.
    func reserveBody(_ count: Int) -> Bool {
        let total = bufferedBytes.add(count, ordering: .relaxed).newValue
        guard total <= configuration.maxBufferedBodyBytes else {
            bufferedBytes.subtract(count, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives back what ``reserveBody(_:)`` reserved, once the request is complete.
    func releaseBody(_ count: Int) {
        if count > 0 { bufferedBytes.subtract(count, ordering: .relaxed) }
    }

    /// The answer to a refused request, as the application shapes it.
    func refuse(_ reason: Refusal.Reason, method: HTTPMethod, path: String) -> HTTPResponse {
        refusal(Refusal(reason: reason, method: method, path: path))
    }

    var handlingCount: Int { handling.withLock { $0.count } }

    /// The completion callback's end of a request: a shutdown's last wait may be for this one.
    func requestCompleted() {
        if activeRequests.subtract(1, ordering: .sequentiallyConsistent).newValue == 0 {
            noActiveRequests.reachedZero()
        }
    }

    /// Returns once no handler runs, or at `deadline`.
    func waitForHandlers(until deadline: ContinuousClock.Instant) async {
        await noHandlers.wait(until: deadline) { self.handling.withLock { $0.count == 0 } }
    }

    /// Returns once every request was sent and completed, or at `deadline`.
    func waitForRequests(until deadline: ContinuousClock.Instant) async {
        await noActiveRequests.wait(until: deadline) {
            self.activeRequests.load(ordering: .sequentiallyConsistent) == 0
        }
    }

    /// How ``dispatch(_:context:connection:)`` left a request.
    enum Dispatch {
        /// The handler answered before it suspended, or its deadline or shutdown did: queue this now.
        case answered(HTTPResponse)
        /// The handler runs on; the connection is suspended until its answer resumes it.
        case suspended
        /// ``close()`` ran: the caller refuses at once.
        case refused
    }

    /// Runs the handler, and suspends the connection only if it has not answered by its first suspension.
    ///
    /// The handler starts on this libmicrohttpd thread (`Task.immediate`) and runs here until it first suspends, which
    /// for an opt-out is the journal's commit: the routing, authentication, parsing and mapping lookup need no hand-off
    /// to the Swift concurrency pool, where the rest resumes. At 1,000 opt-outs/s, where every hand-off wakes a
    /// sleeping thread, that spared 8 % of the CPU per opt-out (`same-load.py --rate 1000`, six rounds, 0.919); under
    /// full load it measured the same (1.00). A handler that answers without suspending (`/healthz`, a 401, a 404) is
    /// answered by this call, as a refusal is: its connection is never suspended and resumed, which costs
    /// libmicrohttpd two `epoll_ctl` calls, a write to its wake-up descriptor and another turn of its loop.
    ///
    /// The request is visible to the deadline sweep and to shutdown from the start, in the state `starting`: an answer
    /// they give then is queued here too. Otherwise the connection is suspended under the context's lock, so that an
    /// answer given after that resumes it, and under no circumstance is a connection resumed before it was suspended
    /// (it would stay suspended for ever).
    func dispatch(_ request: HTTPRequest, context: RequestContext, connection: OpaquePointer) -> Dispatch {
        context.requestLine = (request.method, request.path)
        context.handlerStarted = .now
        // Under the same lock as `close`, so that no request starts after it: one that started before is among the
        // entries it answers, and its connection is then never suspended (`answerOrSuspend`).
        let accepted = handling.withLock { handling in
            guard !handling.closed else { return false }
            context.outcome.withLock { $0 = .starting }
            handling.insert(context)
            return true
        }
        guard accepted else { return .refused }
        let handler = self.handler
        Task.immediate {
            let response = await handler(request)
            self.answer(context, with: response)
        }
        let early = context.answerOrSuspend {
            suspended.add(1, ordering: .relaxed)
            suspensions.add(1, ordering: .relaxed)
            MHD_suspend_connection(connection)
            return ConnectionHandle(pointer: connection)
        }
        return early.map(Dispatch.answered) ?? .suspended
    }

    /// Gives the request this response, unless it was answered already (deadline or shutdown): resumes its
    /// connection, or leaves the response for ``dispatch(_:context:connection:)`` to queue when it has not returned.
    func answer(_ context: RequestContext, with response: HTTPResponse) {
        guard let delivery = context.answer(response) else { return }
        let idle = handling.withLock { handling in
            handling.remove(context)
            return handling.count == 0
        }
        if idle { noHandlers.reachedZero() }
        guard case .resume(let connection) = delivery else { return }
        MHD_resume_connection(connection.pointer)
        if suspended.subtract(1, ordering: .sequentiallyConsistent).newValue == 0 {
            noneSuspended.reachedZero()
        }
    }

    /// Refuses every handler still running, makes ``dispatch(_:context:connection:)`` refuse from now on, and
    /// returns once no connection is suspended.
    ///
    /// MHD_stop_daemon aborts the process when it meets a suspended connection; after this it can be called. A
    /// request whose body ends during shutdown is refused on the spot instead of being suspended with nobody
    /// left to resume it. The wait has no deadline: once `closed` is set, the only connections still suspended are
    /// those whose answer another thread is resuming right now, which takes microseconds.
    func close() {
        refusing.store(true, ordering: .releasing)
        let contexts = handling.withLock { handling in
            handling.closed = true
            return handling.contexts { _ in true }
        }
        for context in contexts {
            answer(context, with: refuse(.shuttingDown, context))
        }
        noneSuspended.waitBlocking { suspended.load(ordering: .sequentiallyConsistent) == 0 }
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
                    handling.contexts { $0.handlerStarted.map { now - $0 > timeout } == true }
                }
                for context in late {
                    self.answer(context, with: self.refuse(.timedOut, context))
                }
            }
        }
        sweeper.withLock { $0 = task }
    }

    func stopDeadlineSweeper() {
        sweeper.withLock { $0?.cancel() }
    }

    private func refuse(_ reason: Refusal.Reason, _ context: RequestContext) -> HTTPResponse {
        let (method, path) = context.requestLine ?? (.get, "/")
        return refuse(reason, method: method, path: path)
    }

    /// The requests whose handler runs, linked through ``RequestContext/nextHandling`` and
    /// ``RequestContext/previousHandling``; the list holds each one strongly until it is removed.
    private struct Handling {
        private var first: RequestContext?
        private(set) var count = 0
        var closed = false

        mutating func insert(_ context: RequestContext) {
            context.nextHandling = first
            first?.previousHandling = context
            first = context
            count += 1
        }

        /// Removes a context that ``insert(_:)`` added; each is removed once, by its first answer.
        mutating func remove(_ context: RequestContext) {
            if let previous = context.previousHandling {
                previous.nextHandling = context.nextHandling
            } else {
                first = context.nextHandling
            }
            context.nextHandling?.previousHandling = context.previousHandling
            context.nextHandling = nil
            context.previousHandling = nil
            count -= 1
        }

        func contexts(where included: (RequestContext) -> Bool) -> [RequestContext] {
            var contexts: [RequestContext] = []
            var next = first
            while let context = next {
                if included(context) { contexts.append(context) }
                next = context.nextHandling
            }
            return contexts
        }
    }
}
