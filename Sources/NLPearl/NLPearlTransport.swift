import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// HTTP/1.1 calls to one origin over kept-alive connections: the bridge's own client for NLPearl, on SwiftNIO.
///
/// Why not AsyncHTTPClient, which it replaced: the bridge needs a small part of it (one origin, HTTP/1.1, a deadline,
/// a bound on the answer), and the rest cost about a seventh of the CPU of every opt-out. Side by side under the same
/// load, a bridge calling NLPearl through this client used 0.84–0.86 of the CPU per opt-out of one calling it through
/// AsyncHTTPClient, with as many opt-outs per call, and 0.88 at 1,000 opt-outs/s (`docs/performance.md`): its
/// request objects, state machines and timers per call were more work than the call's own bytes.
///
/// What it does:
/// - One connection per call in flight; a connection whose answer ended and allows it is kept for the next call, and
///   one kept longer than ``maxIdle`` is closed instead of used, since a server or a NAT on the way may have dropped
///   it silently.
/// - A call sent on a kept connection that closes before any byte of the answer arrived is sent once more on a new
///   connection: the server closed it while it was idle. NLPearl's calls may be repeated (a delete, an addition to
///   the blacklist and a search all end the same when made twice).
/// - `https` with the system's trust roots and hostname verification; `http` as configured (the configuration warns
///   about it for any host but loopback).
/// - A deadline for the whole call, connection included; a bound on the answer's body; the calling task's
///   cancellation ends the call at once.
/// - No redirect is followed, no answer is decompressed, no proxy is used.
///
/// All of its state lives on one event loop, ``loop``; the methods that touch it run there. NLPearl's calls are few
/// and small: one loop for every client saves the wake-ups of the others.
final class NLPearlTransport: @unchecked Sendable {
    /// Why a call got no complete answer.
    enum Failure: Error, Sendable, Equatable {
        case timedOut
        /// The connection closed before the answer was complete.
        case closedEarly
        case cancelled
        /// The answer's body passed the call's bound; `status` is the answer's.
        case answerTooLarge(status: Int, limit: Int)
        case unusableBaseURL(String)
        /// No connection, or a broken one: what went wrong, as text.
        case unreachable(String)
    }

    /// A complete answer.
    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer
    }

    /// The event loop of every transport.
    static let sharedLoop: any EventLoop = NIOSingletons.posixEventLoopGroup.next()

    let loop: any EventLoop
    /// How long a kept connection may wait for its next call.
    let maxIdle: TimeAmount
    private let origin: Result<NLPearlOrigin, Failure>
    private let tls: Result<NIOSSLContext, Failure>?
    /// Connections between two calls, the latest last. On ``loop`` only.
    private var idle: [(channel: any Channel, since: NIODeadline)] = []

    /// Creates a transport for the origin of `baseURL`.
    ///
    /// - Parameters:
    ///   - tlsConfiguration: for `https`; the system's trust roots and full verification by default. Tests pass one
    ///     that trusts their own certificate.
    ///   - maxIdle: 30 seconds by default, half of the shortest idle timeout common among servers and load balancers.
    init(
        baseURL: String, tlsConfiguration: TLSConfiguration = .makeClientConfiguration(),
        maxIdle: TimeAmount = .seconds(30), loop: any EventLoop = NLPearlTransport.sharedLoop
    ) {
        self.loop = loop
        self.maxIdle = maxIdle
        self.origin = NLPearlOrigin.parse(baseURL)
        if case .success(let origin) = origin, origin.isSecure {
            do {
                tls = .success(try NIOSSLContext(configuration: tlsConfiguration))
            } catch {
                tls = .failure(.unreachable("TLS could not be set up: \(error)"))
            }
        } else {
            tls = nil
        }
    }

    deinit {
        // Nothing else refers to the transport any more, the loop's handlers included (they hold it weakly).
        for connection in idle { connection.channel.close(promise: nil) }
    }

    /// Sends one request and collects its answer.
    ///
    /// - Parameters:
    ///   - url: a URL built on the base URL; its request target is what follows `scheme://authority`.
    ///   - headers: sent as they are, after `Host`; `Content-Length` is added for a body.
    ///   - body: nil for a request without one.
    ///   - timeout: for the whole call, from the connection to the answer's last byte.
    ///   - maxResponseBytes: a longer body ends the call as ``Failure/answerTooLarge(status:limit:)``.
    func exchange(
        _ method: HTTPMethod, url: String, headers: HTTPHeaders, body: [UInt8]?, timeout: TimeAmount,
        maxResponseBytes: Int
    ) async -> Result<Response, Failure> {
        let origin: NLPearlOrigin
        switch self.origin {
        case .success(let value): origin = value
        case .failure(let failure): return .failure(failure)
        }
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: origin.target(of: url))
        head.headers.reserveCapacity(headers.count + 2)
        head.headers.add(name: "Host", value: origin.authority)
        head.headers.add(contentsOf: headers)
        if let body { head.headers.add(name: "Content-Length", value: String(body.count)) }
        let call = Call(
            head: head, body: body.map { ByteBuffer(bytes: $0) }, deadline: .now() + timeout,
            maxResponseBytes: maxResponseBytes, promise: loop.makePromise())
        return await withTaskCancellationHandler {
            loop.execute { self.start(call, origin: origin) }
            do {
                return .success(try await call.promise.futureResult.get())
            } catch let failure as Failure {
                return .failure(failure)
            } catch {
                return .failure(.unreachable("\(error)"))
            }
        } onCancel: {
            loop.execute { call.finish(.failure(.cancelled)) }
        }
    }

    // MARK: - On the loop

    private func start(_ call: Call, origin: NLPearlOrigin) {
        guard !call.isDone else { return }
        call.timeout = loop.scheduleTask(deadline: call.deadline) { call.finish(.failure(.timedOut)) }
        // The oldest first: every connection idle past maxIdle is closed, not only those a call would take.
        let now = NIODeadline.now()
        while let oldest = idle.first, now - oldest.since >= maxIdle {
            idle.removeFirst().channel.close(promise: nil)
        }
        // The latest kept next, so that the others grow old and are closed when calls are few.
        while let kept = idle.popLast() {
            if kept.channel.isActive {
                send(call, on: kept.channel, reused: true)
                return
            }
        }
        connect(call, origin: origin)
    }

    /// Sends the call on a new connection.
    fileprivate func connect(_ call: Call, origin: NLPearlOrigin) {
        if case .failure(let failure) = tls {
            call.finish(.failure(failure))
            return
        }
        let tlsContext = try? tls?.get()
        let serverName = origin.hostIsAddress ? nil : origin.host
        ClientBootstrap(group: loop)
            .connectTimeout(max(.nanoseconds(1), call.deadline - .now()))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { [weak self] channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tlsContext {
                        try pipeline.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                    }
                    try pipeline.addHTTPClientHandlers()
                    try pipeline.addHandler(ExchangeHandler(transport: self, origin: origin))
                }
            }
            .connect(host: origin.host, port: origin.port)
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    if call.isDone {
                        self.keep(channel)
                    } else {
                        self.send(call, on: channel, reused: false)
                    }
                case .failure(let error):
                    call.finish(.failure(Self.failure(connecting: error)))
                }
            }
    }

    private func send(_ call: Call, on channel: any Channel, reused: Bool) {
        guard let handler = try? channel.pipeline.syncOperations.handler(type: ExchangeHandler.self) else {
            channel.close(promise: nil)
            call.finish(.failure(.closedEarly))
            return
        }
        handler.begin(call, reused: reused)
        call.channel = channel
        channel.write(HTTPClientRequestPart.head(call.head), promise: nil)
        if let body = call.body {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
    }

    /// Keeps a connection whose answer ended for the next call.
    fileprivate func keep(_ channel: any Channel) {
        idle.append((channel, .now()))
    }

    /// Forgets a connection that closed.
    fileprivate func closed(_ channel: any Channel) {
        idle.removeAll { $0.channel === channel }
    }

    /// A connection error as a failure: a timeout as such, anything else with its own words.
    static func failure(connecting error: any Error) -> Failure {
        if case ChannelError.connectTimeout = error { return .timedOut }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return .unreachable("\(first.error)") }
            let lookup = error.dnsAAAAError ?? error.dnsAError
            return .unreachable("cannot resolve \(error.host)" + (lookup.map { ": \($0)" } ?? ""))
        }
        return .unreachable("\(error)")
    }
}

/// One call: its request, where it stands, and its promise. On the transport's loop only.
private final class Call: @unchecked Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer?
    let deadline: NIODeadline
    let maxResponseBytes: Int
    let promise: EventLoopPromise<NLPearlTransport.Response>
    var timeout: Scheduled<Void>?
    /// The connection the request went out on.
    var channel: (any Channel)?
    /// Whether it was sent again on a new connection after a kept one closed.
    var resent = false
    private(set) var isDone = false

    init(
        head: HTTPRequestHead, body: ByteBuffer?, deadline: NIODeadline, maxResponseBytes: Int,
        promise: EventLoopPromise<NLPearlTransport.Response>
    ) {
        self.head = head
        self.body = body
        self.deadline = deadline
        self.maxResponseBytes = maxResponseBytes
        self.promise = promise
    }

    /// Ends the call, once: an unfinished exchange also ends its connection, which no other call can use after it.
    func finish(_ result: Result<NLPearlTransport.Response, NLPearlTransport.Failure>) {
        guard !isDone else { return }
        isDone = true
        timeout?.cancel()
        switch result {
        case .success(let response):
            promise.succeed(response)
        case .failure(let failure):
            channel?.close(promise: nil)
            promise.fail(failure)
        }
    }
}

/// Reads the answer of the call in flight on one connection.
private final class ExchangeHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private weak var transport: NLPearlTransport?
    private let origin: NLPearlOrigin
    private var call: Call?
    private var reused = false
    private var head: HTTPResponseHead?
    private var body: ByteBuffer?

    init(transport: NLPearlTransport?, origin: NLPearlOrigin) {
        self.transport = transport
        self.origin = origin
    }

    func begin(_ call: Call, reused: Bool) {
        self.call = call
        self.reused = reused
        head = nil
        body = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let call else {
            // Bytes on a kept connection between calls (a server's `408` before it closes, say): whatever the
            // connection says next would be read as the next call's answer.
            context.close(promise: nil)
            return
        }
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body(var part):
            let status = Int(head?.status.code ?? 0)
            guard (body?.readableBytes ?? 0) + part.readableBytes <= call.maxResponseBytes else {
                end(.failure(.answerTooLarge(status: status, limit: call.maxResponseBytes)))
                return
            }
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            guard let head else {
                end(.failure(.closedEarly))
                return
            }
            let response = NLPearlTransport.Response(
                status: Int(head.status.code), headers: head.headers, body: body ?? ByteBuffer())
            let keepAlive = head.isKeepAlive
            end(.success(response))
            if keepAlive, context.channel.isActive {
                transport?.keep(context.channel)
            } else {
                context.close(promise: nil)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        transport?.closed(context.channel)
        brokenOff(.closedEarly)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        brokenOff(.unreachable("\(error)"))
        context.close(promise: nil)
    }

    /// The connection broke during the call: a kept connection that the server had closed before any answer, once,
    /// sends the call again on a new one.
    private func brokenOff(_ failure: NLPearlTransport.Failure) {
        guard let call else { return }
        let answered = head != nil
        end(nil)
        guard !call.isDone else { return }
        if reused, !answered, !call.resent, let transport {
            call.resent = true
            call.channel = nil
            transport.connect(call, origin: origin)
            return
        }
        call.finish(.failure(failure))
    }

    /// Forgets the call, and ends it with `result` if one is given.
    private func end(_ result: Result<NLPearlTransport.Response, NLPearlTransport.Failure>?) {
        let call = self.call
        self.call = nil
        head = nil
        body = nil
        if let result { call?.finish(result) }
    }
}
