import ArgumentParser
import Bridge
import Config
import Dispatch
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Runs the service.",
        discussion: """
            SIGTERM or SIGINT: stop accepting, finish or journal what is in flight, exit 0 within 10 s.
            SIGHUP: reload the mapping file.
            """)

    @OptionGroup var config: ConfigurationOptions

    @Option(help: "Listen on this port instead of listen.port (0 picks a free one).")
    var port: Int?

    @Flag(help: "Run every step except the DELETE call, which is logged and journaled as dry_run.")
    var dryRun = false

    func run() async throws {
        var configuration = try config.load()
        if let port {
            guard (0...65535).contains(port) else { throw CLIError.user("--port must be between 0 and 65535") }
            configuration.listen.port = port
        }
        if dryRun { configuration.dryRun = true }

        JSONLogHandler.bootstrap()
        let logger = Logger(label: "optout-bridge")
        if !MemoryPolicy.returnLargeAllocationsToTheSystem() {
            logger.warning("freed mapping tables may stay resident: this C library does not take M_MMAP_THRESHOLD")
        }
        // Watched before the listener opens: a signal that comes while `start` runs (a SIGHUP right after the
        // "listening" line, a SIGTERM during start-up) waits in the stream instead of killing the process.
        let signals = SignalWatcher(signals: [SIGTERM, SIGINT, SIGHUP])
        let service: BridgeService
        do {
            service = try BridgeService(configuration: configuration, logger: logger)
            try await service.start()
        } catch let error as BridgeStartupError {
            throw error.isUserError ? CLIError.user(error.description) : CLIError.runtime(error.description)
        }

        for await signal in signals.stream {
            if signal == SIGHUP {
                logger.info("SIGHUP: reloading the mapping")
                Task { await service.reloadMapping() }  // a SIGTERM meanwhile must not wait for the load
                continue
            }
            logger.info("signal received", metadata: ["signal": "\(signal == SIGTERM ? "SIGTERM" : "SIGINT")"])
            break
        }
        await service.shutdown(gracePeriod: .seconds(8))
    }
}

/// Turns POSIX signals into an async stream, without running code in a signal handler.
final class SignalWatcher {
    let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }
}
