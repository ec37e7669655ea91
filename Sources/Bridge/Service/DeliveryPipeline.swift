import Config
import Foundation
import Journal
import Logging
import NLPearl
import OptOutCore

/// Journal, mapping, dispatcher and intake, built from the configuration: what `serve` runs behind its listener
/// and what `optout-bridge delete` uses for one deletion, so both take the same path.
public struct DeliveryPipeline: Sendable {
    public let journal: Journal
    public let mappings: MappingStore
    public let dispatcher: Dispatcher
    public let intake: Intake
    /// Enforces the suppression list on each mapping loaded; nil with `suppression.enforceOnMappingLoad` off.
    public let enforcer: SuppressionEnforcer?
    /// Sweeps the listed campaigns (SPEC §10); nil without `campaigns.pearlIds`, and in a dry run, which calls
    /// NLPearl for nothing.
    public let sweep: CampaignSweep?

    /// - Parameter loadMapping: whether to load the mapping file now (`delete` names its leads and needs none).
    public init(configuration: BridgeConfiguration, logger: Logger, metrics: BridgeMetrics, loadMapping: Bool = true)
        throws(BridgeStartupError)
    {
        let dryRun = configuration.dryRun
        guard dryRun || configuration.nlpearl.token != nil else { throw .missingToken }
        do {
            journal = try Journal(path: configuration.journal.file)
        } catch {
            throw .journal(path: configuration.journal.file, reason: "\(error)")
        }
        let campaigns = configuration.campaigns
        mappings = MappingStore(
            file: configuration.mapping.file, defaultCountryCode: configuration.mapping.defaultCountryCode,
            optional: !campaigns.pearlIds.isEmpty, logger: logger, metrics: metrics)
        if loadMapping, let problems = mappings.reload(threads: MappingStore.startupThreads) {
            throw .mapping(problems)
        }

        let deleteLeads: Dispatcher.DeleteLeads
        let blacklistPhones: Dispatcher.BlacklistPhones
        var searchCampaign = Dispatcher.noCampaignSearch
        var client: NLPearlClient?
        if let token = configuration.nlpearl.token, !dryRun {
            let nlpearl = NLPearlClient(
                configuration: NLPearlClient.Configuration(
                    baseURL: configuration.nlpearl.baseURL, token: token.reveal(),
                    timeout: .seconds(configuration.nlpearl.timeoutSeconds)))
            client = nlpearl
            deleteLeads = { pearlId, leadIds in await nlpearl.deleteLeads(pearlId: pearlId, leadIds: leadIds) }
            blacklistPhones = { phones in await nlpearl.addToBlacklist(phoneNumbers: phones) }
            let search = CampaignSearch(
                client: nlpearl, namespace: campaigns.externalIdNamespace,
                defaultCountryCode: configuration.mapping.defaultCountryCode, metrics: metrics)
            searchCampaign = { pearlId, key in await search.find(key, in: pearlId) }
        } else {
            // Dry run: opt-outs are journaled as dry_run and never reach the dispatcher.
            deleteLeads = { _, _ in .unexpected(status: 0, detail: "dry run: no call is made") }
            blacklistPhones = { _ in .unexpected(status: 0, detail: "dry run: no call is made") }
        }
        let delivery = configuration.delivery
        dispatcher = Dispatcher(
            configuration: Dispatcher.Configuration(
                maxLeadsPerRequest: configuration.nlpearl.maxLeadsPerRequest,
                maxConcurrentRequests: configuration.nlpearl.maxConcurrentRequests,
                batchWindow: .milliseconds(delivery.batchWindowMilliseconds),
                retry: RetryPolicy(
                    initialDelay: .seconds(delivery.retry.initialSeconds),
                    maximumDelay: .seconds(delivery.retry.maxSeconds),
                    giveUpAfter: .seconds(delivery.retry.giveUpAfterHours * 3600))),
            journal: journal, metrics: metrics, logger: logger, deleteLeads: deleteLeads,
            blacklistPhones: blacklistPhones, searchCampaign: searchCampaign)
        let suppression = configuration.suppression
        intake = Intake(
            journal: journal, dispatcher: dispatcher, mappings: mappings, dryRun: dryRun,
            syncWait: .milliseconds(delivery.syncWaitMilliseconds), blacklistPhones: suppression.blacklistPhones,
            search: Intake.Search(campaigns))
        enforcer =
            suppression.enforceOnMappingLoad
            ? SuppressionEnforcer(
                journal: journal, dispatcher: dispatcher, metrics: metrics, logger: logger, dryRun: dryRun,
                blacklistPhones: suppression.blacklistPhones) : nil
        if let client, !campaigns.pearlIds.isEmpty {
            sweep = CampaignSweep(
                settings: CampaignSweep.Settings(
                    pearlIds: campaigns.pearlIds, externalIdNamespace: campaigns.externalIdNamespace,
                    defaultCountryCode: configuration.mapping.defaultCountryCode,
                    interval: .seconds(campaigns.sweepIntervalMinutes * 60),
                    maxCallsPerSecond: campaigns.maxCallsPerSecond),
                client: client, journal: journal, dispatcher: dispatcher, metrics: metrics, logger: logger)
        } else {
            sweep = nil
        }
    }
}
