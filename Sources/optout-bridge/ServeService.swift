import Bridge
import Config
import Logging
import ServiceLifecycle
import UnixSignals

/// What `serve` runs inside its signal-handling group: the bridge, and the mapping reload on SIGHUP.
///
/// The bridge is built here, inside the group, so that a SIGTERM while the mapping loads is handled like any other:
/// the bridge then starts and drains at once, and the process exits 0.
struct ServeService: Service, CustomStringConvertible {
    let configuration: BridgeConfiguration
    let hangups: UnixSignalsSequence
    let logger: Logger

    var description: String { "serve" }

    func run() async throws {
        let service = try BridgeService(configuration: configuration, logger: logger)
        let (hangups, logger) = (self.hangups, self.logger)
        // The group's only graceful shutdown signals are SIGTERM and SIGINT.
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { try await service.run() }
                for await _ in hangups.cancelOnGracefulShutdown() {
                    logger.info("SIGHUP: reloading the mapping")
                    // A task of its own: the next signal, SIGTERM too, is taken while the mapping loads.
                    group.addTask { await service.reloadMapping() }
                }
            }
        } onGracefulShutdown: {
            logger.info("signal received")
        }
    }
}
