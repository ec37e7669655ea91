import CMicroHTTPD
import Synchronization

/// A small asynchronous HTTP/1.1 server on libmicrohttpd.
///
/// libmicrohttpd parses requests on its own epoll thread pool. Each complete request is handed to the async
/// `handler`, which starts on that thread: an answer it gives before it first suspends is queued at once; otherwise
/// its connection is suspended until it answers, so no MHD thread ever waits for upstream work. The response is
/// never queued on the first call of the access handler, which would make MHD answer `Connection: close` and cost
/// keep-alive. Bodies over ``Configuration/maxBodyBytes`` get 413, before the body is read when `Content-Length` says
/// so.
///
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 8080)) { request in .text(200, "hello") }
/// try server.start()
/// await server.shutdown()
/// ```
public final class HTTPServer: Sendable {
    let core: ServerCore
    private let daemon = Mutex<DaemonHandle?>(nil)
    private let boundPort = Atomic<Int>(0)

    /// Shapes the answer to a request that the server refuses itself (``Refusal``), so that each client hears it in
    /// its own dialect. It runs on libmicrohttpd's threads and must not block.
    public typealias RefusalResponder = @Sendable (Refusal) -> HTTPResponse

    /// Creates a server; ``start()`` binds it.
    ///
    /// - Parameter refusal: the answer to requests refused while shutting down or past their deadline; by default
    ///   ``Refusal/defaultResponse``, a 503 problem with `Retry-After`.
    public init(
        configuration: Configuration, refusal: RefusalResponder? = nil,
        handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse
    ) {
        core = ServerCore(configuration: configuration, refusal: refusal, handler: handler)
    }

    /// A server dropped without ``shutdown(gracePeriod:)`` still stops cleanly: MHD_stop_daemon aborts the process
    /// while a connection is suspended, so every handler still running is answered 503 first.
    deinit {
        guard let handle = daemon.withLock({ $0.take() }) else { return }
        core.draining.store(true, ordering: .releasing)
        core.close()
        let core = self.core
        core.noActiveRequests.waitBlocking(until: .now.advanced(by: .seconds(1))) {
            core.activeRequests.load(ordering: .sequentiallyConsistent) == 0
        }
        core.stopDeadlineSweeper()
        MHD_stop_daemon(handle.pointer)
    }

    public var configuration: Configuration { core.configuration }

    /// The port the server listens on, once started.
    public var port: Int { boundPort.load(ordering: .acquiring) }

    /// Whether ``shutdown(gracePeriod:)`` began: requests are still taken until its grace period ends.
    public var isDraining: Bool { core.draining.load(ordering: .acquiring) }

    /// The number of requests being handled or read right now.
    public var activeRequests: Int { core.activeRequests.load(ordering: .relaxed) }

    /// Binds and starts serving on MHD's own threads; returns at once.
    ///
    /// Raises the process's open-file soft limit first when it is too low for ``Configuration/connectionLimit``.
    public func start() throws(HTTPServerError) {
        let configuration = core.configuration
        Self.raiseOpenFileLimit(toAtLeast: configuration.connectionLimit + Self.descriptorHeadroom)
        let started: DaemonHandle? = daemon.withLock { handle in
            guard handle == nil else { return nil }
            let context = Unmanaged.passUnretained(core).toOpaque()
            let pointer = configuration.host.withCString { host in
                withOptionalCString(configuration.tls?.keyPEM) { key in
                    withOptionalCString(configuration.tls?.certificatePEM) { certificate in
                        var settings = optout_mhd_settings(
                            host: host,
                            port: UInt16(clamping: configuration.port),
                            threads: UInt32(clamping: max(1, configuration.threads)),
                            connection_limit: UInt32(clamping: configuration.connectionLimit),
                            per_ip_connection_limit: UInt32(clamping: configuration.perIPConnectionLimit),
                            idle_timeout_seconds: UInt32(clamping: configuration.idleTimeoutSeconds),
                            connection_memory_limit: 32 * 1024,
                            tls_key_pem: key,
                            tls_cert_pem: certificate,
                            access_handler: MHDCallbacks.access,
                            access_handler_cls: context,
                            uri_log: MHDCallbacks.uriLog,
                            uri_log_cls: context,
                            completed: MHDCallbacks.completed,
                            completed_cls: context)
                        return optout_mhd_start(&settings)
                    }
                }
            }
            guard let pointer else { return nil }
            handle = DaemonHandle(pointer: pointer)
            return handle
        }
        guard let started else {
            if daemon.withLock({ $0 != nil }) { throw .alreadyStarted }
            throw .cannotStart(host: configuration.host, port: configuration.port, tls: configuration.tls != nil)
        }
        boundPort.store(Int(optout_mhd_bound_port(started.pointer)), ordering: .releasing)
        core.startDeadlineSweeper()
    }

    /// Drains, then refuses, then stops: handlers run on for up to `gracePeriod`, new requests are still taken meanwhile
    /// (answered with `Connection: close`), then whatever is unfinished or new is refused (the ``RefusalResponder``),
    /// and the daemon stops.
    ///
    /// The listening socket stays open until MHD_stop_daemon: MHD_quiesce_daemon races with a worker that drops the
    /// socket from its epoll set at the connection limit, and libmicrohttpd 0.9.75 aborts the process then.
    public func shutdown(gracePeriod: Duration = .seconds(8)) async {
        guard let handle = daemon.withLock({ $0.take() }) else { return }
        core.draining.store(true, ordering: .releasing)

        await core.waitForHandlers(until: .now.advanced(by: gracePeriod))
        core.close()
        // Give MHD a moment to send what was just resumed.
        await core.waitForRequests(until: .now.advanced(by: .seconds(1)))
        core.stopDeadlineSweeper()
        MHD_stop_daemon(handle.pointer)
    }
}

/// The daemon pointer, owned by one ``HTTPServer``; MHD's API is thread-safe for the calls made on it.
struct DaemonHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

private func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
