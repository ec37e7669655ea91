import OptOutCore

/// The whole configuration of the service, as described in SPEC §3, with its documented defaults.
///
/// Read the JSON file with ``load(file:environment:)``; within this module (and its tests), build one with the
/// memberwise initialisers, whose parameters default to the documented defaults
/// (`BridgeConfiguration(listen: .init(port: 0))`). Secrets (``NLPearlSettings/token``, ``APISettings/tokens``) are
/// ``Secret``s, and sender options are hidden from descriptions, so printing or dumping a configuration never
/// shows a secret.
public struct BridgeConfiguration: Sendable, Equatable {
    /// The HTTP listener.
    public var listen: ListenSettings = ListenSettings()
    /// The NLPearl API.
    public var nlpearl: NLPearlSettings = NLPearlSettings()
    /// The mapping file.
    public var mapping: MappingSettings = MappingSettings()
    /// The journal (SQLite).
    public var journal: JournalSettings = JournalSettings()
    /// Acknowledgement, batching and retries.
    public var delivery: DeliverySettings = DeliverySettings()
    /// What to answer when no lead is mapped.
    public var unmapped: UnmappedPolicy = .suppress
    /// The suppression list's enforcement (SPEC §9).
    public var suppression: SuppressionSettings = SuppressionSettings()
    /// NLPearl's campaigns as the source of leads (SPEC §10).
    public var campaigns: CampaignSettings = CampaignSettings()
    /// `/v1/opt-outs` authentication.
    public var api: APISettings = APISettings()
    /// Webhook sources, one per `POST /hooks/{name}`.
    public var senders: [SenderConfiguration] = []
    /// Runs every step but the DELETE call.
    public var dryRun: Bool = false
    /// The file the configuration was read from, as named; `nil` for built-in defaults or one built in code.
    public var sourceFile: String?

    /// The sender named `name`, if configured.
    public func sender(named name: String) -> SenderConfiguration? {
        senders.first { $0.name == name }
    }

    /// What to answer when an opt-out's keys map to no lead (`unmapped`). Either way its keys are suppressed.
    public enum UnmappedPolicy: String, Sendable, Equatable, CaseIterable {
        /// Answer 200 `suppressed`, to webhooks and `/v1/opt-outs` alike.
        case suppress
        /// Answer 404, so that the sender notices; a retry of the same event resolves afresh.
        case reject
    }

    /// What the suppression list does beyond remembering keys (`suppression`).
    public struct SuppressionSettings: Sendable, Equatable {
        /// Put every suppressed phone number on NLPearl's account blacklist.
        public var blacklistPhones: Bool = true
        /// On every mapping load, delete the leads of contacts that carry a suppressed key.
        public var enforceOnMappingLoad: Bool = true
    }
}
