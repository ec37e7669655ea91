import Config
import Foundation
import Journal
import Logging
import MicroHTTP
import OptOutCore
import Senders
import ServiceLifecycle
import Synchronization

/// The running service: listener, mapping, journal, dispatcher and NLPearl client, wired together.
///
/// The only place that knows every part: decoders know nothing of SQLite, the journal nothing of HTTP.
///
/// ``run()`` runs the parts as a `ServiceGroup` (the listener, the dispatcher's journal rescan, the journal's prune,
/// the mapping watcher, the suppression enforcement, the campaign sweep) until a graceful shutdown, its parent's (the
/// `serve` command's signals) or ``shutdown(gracePeriod:)``'s. ``start()`` runs it in a task of its own and returns
/// once it listens, for tests and embedding.
public final class BridgeService: Service, Sendable {
    public let configuration: BridgeConfiguration
    public let journal: Journal
    public let mappings: MappingStore
    public let dispatcher: Dispatcher
    public let enforcer: SuppressionEnforcer?
    public let sweep: CampaignSweep?
    public let metrics: BridgeMetrics
    private let server: HTTPServer
    private let logger: Logger
    /// The group of parts, once ``run()`` made it.
    private let group = Mutex<ServiceGroup?>(nil)
    /// The grace period of the coming shutdown: 8 s unless ``shutdown(gracePeriod:)`` says otherwise.
    private let gracePeriod = Mutex(Duration.seconds(8))
    /// Ends with an element once the listener is up, or with the error that stopped the service before.
    private let listening: AsyncThrowingStream<Void, any Error>
    private let listened: AsyncThrowingStream<Void, any Error>.Continuation
    /// The task of ``start()``, which ``shutdown(gracePeriod:)`` waits for.
    private let running = Mutex<Task<Void, any Error>?>(nil)

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
        (listening, listened) = AsyncThrowingStream.makeStream()
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

    /// Runs every part until a graceful shutdown, then logs "stopped" with what is left pending.
    ///
    /// The listener binds inside the group, after the signal handling of a parent group is in place.
    ///
    /// - Throws: ``BridgeStartupError`` when the port cannot be bound, or what else stopped the group.
    public func run() async throws {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: services(), logger: logger))
        self.group.withLock { $0 = group }
        do {
            try await group.run()
        } catch {
            listened.finish(throwing: error)
            throw error
        }
        listened.finish()
        let pending = (try? await journal.counts().pending) ?? -1
        logger.info("stopped", metadata: ["pending_leads": "\(pending)"])
    }

    /// Runs ``run()`` in a task of its own and returns once the listener is up; ``shutdown(gracePeriod:)`` stops it.
    ///
    /// - Throws: ``BridgeStartupError`` when the port cannot be bound.
    public func start() async throws {
        let task = Task { try await self.run() }
        running.withLock { $0 = task }
        for try await _ in listening {
            return
        }
        throw CancellationError()
    }

    /// Reloads the mapping now (SIGHUP), off the cooperative pool; requests keep the old mapping meanwhile.
    public func reloadMapping() async {
        await mappings.reloadOffPool()
    }

    /// Shuts down gracefully what ``start()`` started, and returns once it stopped.
    ///
    /// The listener stops accepting, answers in-flight requests and lets NLPearl calls in flight finish within
    /// `gracePeriod`, then the other parts stop. The dispatcher starts no call from then on and waits for those in
    /// flight alongside the listener's grace period, so that a lead NLPearl deleted is journaled `deleted` rather than
    /// left pending, sent again after the restart and answered `false`. A request still waiting for a lead that was not
    /// sent is answered `queued` (or 503 in sync mode) at its sync wait, as usual. Both waits share the grace period,
    /// so SIGTERM's 10 s hold: 8 s, then up to 1 s for the listener to send its last answers. Work that is journaled
    /// but not delivered stays in the journal and resumes at the next start.
    public func shutdown(gracePeriod: Duration = .seconds(8)) async {
        self.gracePeriod.withLock { $0 = gracePeriod }
        guard let group = group.withLock({ $0 }) else { return }
        await group.triggerGracefulShutdown()
        _ = await running.withLock({ $0 })?.result
    }

    /// The parts, in the order they start; a graceful shutdown stops them in the reverse order, the listener first.
    private func services() -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services: [any Service] = []
        if !configuration.dryRun {
            // `journal retry` from the command line flips rows back to pending: pick them up.
            let (journal, dispatcher) = (self.journal, self.dispatcher)
            services.append(
                PeriodicChore("journal rescan", every: .seconds(30)) {
                    await dispatcher.beginRescan()
                    // A failed read still ends the rescan, so that the dispatcher stops recording finished rows.
                    await dispatcher.resume((try? await journal.pendingLeads()) ?? [])
                })
        }
        let retention = TimeInterval(configuration.journal.retentionDays) * 86_400
        let (journal, logger) = (self.journal, self.logger)
        services.append(
            PeriodicChore("journal prune", every: .seconds(3600), immediately: true) {
                if let pruned = try? await journal.prune(olderThan: Date().addingTimeInterval(-retention)), pruned > 0 {
                    logger.info("journal pruned", metadata: ["opt_outs": "\(pruned)"])
                }
            })
        services.append(mappings.watcher(every: .seconds(max(1, configuration.mapping.reloadIntervalSeconds))))
        if let enforcer {
            services.append(SuppressionEnforcementService(enforcer: enforcer, mappings: mappings))
        }
        if let sweep {
            services.append(CampaignSweepService(sweep: sweep))
        }
        let dispatcher = self.dispatcher
        services.append(
            BridgeListener(
                server: server, logger: logger, opened: { await self.opened() },
                gracePeriod: { self.gracePeriod.withLock { $0 } },
                draining: { gracePeriod in
                    if !(await dispatcher.drain(timeout: gracePeriod)) {
                        logger.warning(
                            "NLPearl calls still in flight at shutdown; their leads stay pending and are sent again at the start",
                            metadata: ["grace_period": "\(gracePeriod)"])
                    }
                }))
        return services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
    }

    /// Once the port is bound: resumes the journal's pending work and says so.
    private func opened() async {
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
        listened.yield()
    }
}
