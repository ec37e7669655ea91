import NLPearl
import OptOutCore

/// Finds the leads of one contact key in one campaign with NLPearl's Search Leads (SPEC §10, `searchOnOptOut`).
///
/// NLPearl's `searchInput` is a text filter whose matching the reference does not define (the fake matches part of
/// the phone number or the external id), so every page of results is read and only exact matches are kept: a lead
/// whose ``LeadKeys`` hold the key searched, which means the E.164 number equal after normalisation, or the external
/// id equal as a key of `externalIdNamespace`. A phone is searched by its digits without `+`, which are part of the
/// number however NLPearl writes it (`+15551234567` or `15551234567`).
public struct CampaignSearch: Sendable {
    /// What one search came to.
    public enum Result: Sendable, Equatable {
        /// Every page was read: the exact matches, possibly none.
        case found([Lead])
        /// A page could not be read; the failure, in the delete's terms, decides whether to try again.
        case failed(DeleteLeadsOutcome)
    }

    private let client: NLPearlClient
    private let namespace: String?
    private let defaultCountryCode: String?
    private let metrics: BridgeMetrics

    public init(client: NLPearlClient, namespace: String?, defaultCountryCode: String?, metrics: BridgeMetrics) {
        self.client = client
        self.namespace = namespace
        self.defaultCountryCode = defaultCountryCode
        self.metrics = metrics
    }

    /// The keys of an opt-out that a search looks for: its phones, and its ids of namespace `namespace`.
    public static func searchable(_ keys: [ContactKey], namespace: String?) -> [ContactKey] {
        keys.filter { $0.namespace == "phone" || ($0.namespace == namespace && namespace != nil) }
    }

    /// The leads of `pearlId` that carry `key` (a normalised contact key such as `phone:+15551234567`).
    public func find(_ key: String, in pearlId: String) async -> Result {
        guard let contactKey = ContactKey(normalized: key) else { return .found([]) }
        let input = contactKey.namespace == "phone" ? String(contactKey.value.drop { $0 == "+" }) : contactKey.value
        var found: [Lead] = []
        var skip = 0
        while true {
            let started = ContinuousClock.now
            let outcome = await client.searchLeads(campaignId: pearlId, skip: skip, searchInput: input)
            metrics.recordSearchCall(purpose: .optOut, outcome: outcome, duration: ContinuousClock.now - started)
            guard case .page(let page) = outcome else {
                return .failed(outcome.failure ?? .unexpected(status: 0, detail: "no page"))
            }
            for lead in page.leads
            where LeadKeys(lead, namespace: namespace, defaultCountryCode: defaultCountryCode).keys.contains(contactKey)
            {
                found.append(Lead(pearlId: pearlId, leadId: lead.id))
            }
            skip += page.leads.count
            if page.leads.isEmpty || skip >= page.count { return .found(found) }
        }
    }
}
