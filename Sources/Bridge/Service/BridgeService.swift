import Config
import Foundation
import Journal
import Logging
import MicroHTTP
import OptOutCore
import Senders

/// The running service: listener, mapping, journal, dispatcher and NLPearl client, wired together.
///
/// The only place that knows every part: decoders know nothing of SQLite, the journal nothing of HTTP.
public final class BridgeService: Sendable {
    public let configuration: BridgeConfiguration
    public let journal: Journal
    public let mappings: MappingStore
    public let dispatcher: Dispatcher
    public let enforcer: SuppressionEnforcer?
    public let sweep: CampaignSweep?
    public let metrics: BridgeMetrics
    private let server: HTTPServer
    private let logger: Logger
    private let background = BackgroundTasks()

    /// Opens the journal and loads the mapping; nothing listens yet.
    ///
    /// - Throws: ``BridgeStartupError`` when the journal cannot be opened, the mapping cannot be loaded, the TLS
    ///   files cannot be read, or no NLPearl token is set outside dry-run mode.
    public init(configuration: BridgeConfiguration, logger: Logger, metrics: BridgeMetrics = BridgeMetrics())
        throws(BridgeStartupError)
    {
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        let pipeline = try DeliveryPipeline(configuration: configuration, logger: logger, metrics: metrics)
        journal = pipeline.journal
        mappings = pipeline.mappings
        dispatcher = pipeline.dispatcher
        enforcer = pipeline.enforcer
        sweep = pipeline.sweep
        let intake = pipeline.intake
        let delivery = configuration.delivery
        let senders: [any WebhookSender]
        do {
            senders = try configuration.makeSenders()
        } catch {
            throw BridgeStartupError.senders(error.diagnostics)
        }
        let readiness = Readiness(journal: journal, mappings: mappings, dispatcher: dispatcher)
        let router = BridgeRouter(
            settings: BridgeRouter.Settings(
                api: configuration.api, ackMode: delivery.ackMode, unmapped: configuration.unmapped,
                defaultCountryCode: configuration.mapping.defaultCountryCode),
            senders: senders, intake: intake, readiness: readiness, metrics: metrics, logger: logger)

        let listen = configuration.listen
        var tls: HTTPServer.Configuration.TLS?
        if let certificateFile = listen.tls.certificateFile, let keyFile = listen.tls.keyFile {
            do {
                tls = HTTPServer.Configuration.TLS(
                    certificatePEM: try String(contentsOfFile: certificateFile, encoding: .utf8),
                    keyPEM: try String(contentsOfFile: keyFile, encoding: .utf8))
            } catch {
                throw BridgeStartupError.tls(reason: "cannot read \(certificateFile) or \(keyFile): \(error)")
            }
        }
        server = HTTPServer(
            configuration: HTTPServer.Configuration(
                host: listen.host, port: listen.port, threads: listen.threads, maxBodyBytes: listen.maxBodyBytes,
                connectionLimit: listen.connectionLimit, perIPConnectionLimit: listen.perIPConnectionLimit,
                idleTimeoutSeconds: listen.idleTimeoutSeconds,
                // Past syncWait the answer is 202 or 503 anyway; this only guards against a stuck handler.
                requestTimeout: .milliseconds(delivery.syncWaitMilliseconds) + .seconds(10),
                maxBufferedBodyBytes: listen.maxBufferedBodyBytes, tls: tls),
            refusal: { router.refusal($0) },
            handler: { request in await router.handle(request) })
    }

    /// The port the listener is bound to, once started.
    public var port: Int { server.port }

    /// Whether ``shutdown(gracePeriod:)`` began: requests are still taken and journaled until its grace period ends.
    public var isDraining: Bool { server.isDraining }

    /// Starts listening, resumes the journal's pending work, and starts the reload, rescan and prune loops.
    public func start() async throws {
        do {
            try server.start()
        } catch {
            throw BridgeStartupError.listen(reason: error.description)
        }
        let pending = (try? await journal.pendingLeads()) ?? []
        if !configuration.dryRun {
            await dispatcher.resume(pending)
        }
        logger.info(
            "optout-bridge listening",
            metadata: [
                "port": "\(server.port)", "host": "\(configuration.listen.host)",
                "pending_resumed": "\(configuration.dryRun ? 0 : pending.count)",
                "dry_run": "\(configuration.dryRun)", "tls": "\(configuration.listen.tls.certificateFile != nil)",
            ])
        if let enforcer {
            // The mapping loaded before the listener opened, then every later load (change, SIGHUP).
            mappings.onLoad { mapping in Task { await enforcer.enforce(mapping) } }
            // In the background: the first enforcement after an upgrade may journal many leads, and `serve` handles
            // SIGTERM only once `start` returned.
            let mapping = mappings.current
            background.run { await enforcer.enforce(mapping) }
        }
        if let sweep {
            // At start, resuming a sweep that a restart interrupted, then every `sweepIntervalMinutes`.
            background.run { await sweep.run() }
        }
        mappings.startWatching(every: .seconds(max(1, configuration.mapping.reloadIntervalSeconds)))
        let journal = self.journal
        let dispatcher = self.dispatcher
        let dryRun = configuration.dryRun
        // `journal retry` from the command line flips rows back to pending: pick them up.
        background.every(.seconds(30)) {
            guard !dryRun else { return }
            await dispatcher.beginRescan()
            // A failed read still ends the rescan, so that the dispatcher stops recording finished rows.
            await dispatcher.resume((try? await journal.pendingLeads()) ?? [])
        }
        let retention = TimeInterval(configuration.journal.retentionDays) * 86_400
        let logger = self.logger
        background.every(.seconds(3600), immediately: true) {
            if let pruned = try? await journal.prune(olderThan: Date().addingTimeInterval(-retention)), pruned > 0 {
                logger.info("journal pruned", metadata: ["opt_outs": "\(pruned)"])
            }
        }
    }

    /// Reloads the mapping now (SIGHUP), off the cooperative pool; requests keep the old mapping meanwhile.
    public func reloadMapping() async {
        await mappings.reloadOffPool()
    }

    /// Stops accepting, answers in-flight requests and lets NLPearl calls in flight finish within `gracePeriod`, and
    /// stops the loops.
    ///
    /// The dispatcher starts no call from here on and waits for those in flight alongside the listener's grace period,
    /// so that a lead NLPearl deleted is journaled `deleted` rather than left pending, sent again after the restart
    /// and answered `false`. A request still waiting for a lead that was not sent is answered `queued` (or 503 in
    /// sync mode) at its sync wait, as usual. Both waits share the grace period, so SIGTERM's 10 s hold: 8 s, then up
    /// to 1 s for the listener to send its last answers. Work that is journaled but not delivered stays in the
    /// journal and resumes at the next start.
    public func shutdown(gracePeriod: Duration = .seconds(8)) async {
        logger.info("shutting down")
        async let drained = dispatcher.drain(timeout: gracePeriod)
        await server.shutdown(gracePeriod: gracePeriod)
        mappings.stopWatching()
        background.cancelAll()
        if !(await drained) {
            logger.warning(
                "NLPearl calls still in flight at shutdown; their leads stay pending and are sent again at the start",
                metadata: ["grace_period": "\(gracePeriod)"])
        }
        let pending = (try? await journal.counts().pending) ?? -1
        logger.info("stopped", metadata: ["pending_leads": "\(pending)"])
    }
}
