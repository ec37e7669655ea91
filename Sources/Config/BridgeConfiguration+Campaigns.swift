extension BridgeConfiguration {
    /// NLPearl's campaigns as the source of leads (`campaigns`, SPEC §10).
    ///
    /// With ``pearlIds`` set, `mapping sync` writes a mapping file from the campaigns' leads.
    public struct CampaignSettings: Sendable, Equatable {
        /// The campaigns (pearl ids) whose leads the bridge reads; none by default.
        public var pearlIds: [String] = []
        /// The namespace (a sender name) whose CRM ids are the leads' `externalId`s, such as `hubspot`; `nil` when
        /// external ids are not CRM ids.
        public var externalIdNamespace: String?
        /// Minutes between two sweeps of the campaigns (≥ 1).
        public var sweepIntervalMinutes: Int = 60
        /// Search the campaigns for an opt-out's phones and CRM ids, besides the mapped leads.
        public var searchOnOptOut: Bool = true
        /// Search calls per second at most (> 0).
        public var maxCallsPerSecond: Double = 5
    }
}
