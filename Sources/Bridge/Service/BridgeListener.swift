import Logging
import MicroHTTP
import ServiceLifecycle

/// The HTTP listener as a service: it binds when the group runs it, so that the group's signal handling is in place
/// before the port opens, and it drains at graceful shutdown.
///
/// The drain runs beside `draining`, the dispatcher's, with the same grace period: no call starts once the shutdown
/// began, so that the calls in flight have the whole period to end and be journaled, while the last requests are
/// still taken and answered.
struct BridgeListener: Service, CustomStringConvertible {
    let server: HTTPServer
    let logger: Logger
    /// Called once the port is bound: resumes the journal's work and says "listening".
    let opened: @Sendable () async -> Void
    /// The grace period, read when the shutdown begins.
    let gracePeriod: @Sendable () -> Duration
    /// Runs beside the listener's drain, with its grace period.
    let draining: @Sendable (Duration) async -> Void

    var description: String { "listener" }

    func run() async throws {
        do {
            try server.start()
        } catch {
            throw BridgeStartupError.listen(reason: error.description)
        }
        await opened()
        // Cancelled instead (another service failed), the listener still stops: MHD must not outlive the service.
        try? await gracefulShutdown()
        logger.info("shutting down")
        let grace = gracePeriod()
        async let drained: Void = draining(grace)
        await server.shutdown(gracePeriod: grace)
        await drained
    }
}
