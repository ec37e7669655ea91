import ArgumentParser
import Bridge
import Config
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

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
        // SIGHUP is trapped here, before anything else; SIGTERM and SIGINT by the group, before it runs `serve`, which
        // loads the mapping and then opens the listener: a signal that comes meanwhile (a SIGHUP right after the
        // "listening" line, a SIGTERM during start-up) waits for its handler instead of killing the process.
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    ServiceGroupConfiguration.ServiceConfiguration(
                        service: ServeService(configuration: configuration, hangups: hangups, logger: logger))
                ],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as BridgeStartupError {
            throw error.isUserError ? CLIError.user(error.description) : CLIError.runtime(error.description)
        }
    }
}
