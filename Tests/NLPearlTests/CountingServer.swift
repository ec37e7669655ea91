import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A plain HTTP/1.1 server on loopback, on SwiftNIO, that answers requests `200 true` and counts the connections and
/// requests it saw: for what a client does with its connections, which a MicroHTTP server does not show.
final class CountingServer: Sendable {
    /// What the server does with a request, given its number on its connection and on the server (from 1).
    enum Answer: Sendable, Equatable {
        case answer
        /// Answers with `Connection: close`, and closes.
        case answerAndClose
        /// Closes the connection without an answer.
        case drop
        /// Answers once the server has seen this many requests: requests that must be in flight together.
        case answerOnceSeen(Int)
        /// Answers, then sends a `408` that nobody asked for on the same connection, and keeps it open.
        case answerThenUnasked408
    }

    /// What the connections share: the counts, and the answers held for ``Answer/answerOnceSeen(_:)``.
    private final class Shared: Sendable {
        let state = Mutex(
            (connections: 0, closed: 0, requests: 0, held: [(count: Int, answer: @Sendable () -> Void)]()))
    }

    private let channel: any Channel
    private let shared = Shared()

    /// Starts a server; `answer` decides each request's fate.
    init(
        _ answer: @escaping @Sendable (_ onConnection: Int, _ onServer: Int) -> Answer = { _, _ in .answer }
    ) async throws {
        let shared = self.shared
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                shared.state.withLock { $0.connections += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    // Without pipelining assistance, which would refuse to write an answer nobody asked for.
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withPipeliningAssistance: false)
                    try channel.pipeline.syncOperations.addHandler(Handler(answer: answer, shared: shared))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    var baseURL: String { "http://127.0.0.1:\(channel.localAddress!.port!)" }
    var connections: Int { shared.state.withLock { $0.connections } }
    var requests: Int { shared.state.withLock { $0.requests } }
    /// Connections that have closed, by either side.
    var closedConnections: Int { shared.state.withLock { $0.closed } }

    func stop() async throws {
        try await channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart

        let answer: @Sendable (Int, Int) -> Answer
        let shared: Shared
        var number = 0

        init(answer: @escaping @Sendable (Int, Int) -> Answer, shared: Shared) {
            self.answer = answer
            self.shared = shared
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            number += 1
            let channel = context.channel
            let respond: @Sendable () -> Void = { Self.respond(on: channel, close: false) }
            let (total, due) = shared.state.withLock { state in
                state.requests += 1
                let due = state.held.filter { $0.count <= state.requests }.map(\.answer)
                state.held.removeAll { $0.count <= state.requests }
                return (state.requests, due)
            }
            for held in due { held() }
            switch answer(number, total) {
            case .answer: respond()
            case .answerAndClose: Self.respond(on: channel, close: true)
            case .answerThenUnasked408:
                respond()
                Self.respond(on: channel, status: .requestTimeout, close: false)
            case .drop: channel.close(promise: nil)
            case .answerOnceSeen(let count):
                let now = shared.state.withLock { state in
                    guard state.requests < count else { return true }
                    state.held.append((count, respond))
                    return false
                }
                if now { respond() }
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            shared.state.withLock { $0.closed += 1 }
            context.fireChannelInactive()
        }

        private static func respond(on channel: any Channel, status: HTTPResponseStatus = .ok, close: Bool) {
            var head = HTTPResponseHead(version: .http1_1, status: status)
            head.headers.add(name: "Content-Type", value: "application/json")
            head.headers.add(name: "Content-Length", value: "4")
            if close { head.headers.add(name: "Connection", value: "close") }
            channel.write(HTTPServerResponsePart.head(head), promise: nil)
            channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: "true"))), promise: nil)
            let written = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
            if close { written.whenComplete { _ in channel.close(promise: nil) } }
        }
    }
}
