extension FakeNLPearl {
    /// The NLPearl endpoints that the fake serves.
    public enum Endpoint: String, Sendable, Hashable, CaseIterable {
        /// `DELETE /v2/Outbound/{pearlId}/Leads`, `nlpearl-delete-leads.openapi.yaml`.
        case deleteLeads
        /// `POST /v2/Account/Blacklist`, which adds numbers to the account blacklist.
        case blacklist
        /// `POST /v2/Outbound/{pearlId}/Lead`, which adds one lead and answers its id.
        case addLead
        /// `POST /v2/Outbound/{pearlId}/Leads/Add`, which adds up to 50,000 leads and answers a boolean.
        case addLeads
        /// `POST /v1/Outbound/{outboundId}/Leads`, which answers one page of a campaign's leads and their count.
        case searchLeads
        /// `GET /v1/Outbound/{outboundId}/Lead/{leadId}`, which answers one lead.
        case getLead

        /// The only method that the contract allows on the endpoint's path.
        public var method: String {
            switch self {
            case .deleteLeads: return "DELETE"
            case .getLead: return "GET"
            case .blacklist, .addLead, .addLeads, .searchLeads: return "POST"
            }
        }

        /// The path as the contract writes it.
        public var path: String {
            switch self {
            case .deleteLeads: return "/v2/Outbound/{pearlId}/Leads"
            case .blacklist: return "/v2/Account/Blacklist"
            case .addLead: return "/v2/Outbound/{pearlId}/Lead"
            case .addLeads: return "/v2/Outbound/{pearlId}/Leads/Add"
            case .searchLeads: return "/v1/Outbound/{outboundId}/Leads"
            case .getLead: return "/v1/Outbound/{outboundId}/Lead/{leadId}"
            }
        }

        /// Whether a 200 answers a JSON boolean (the others answer an object).
        var answersBoolean: Bool {
            switch self {
            case .deleteLeads, .blacklist, .addLeads: return true
            case .addLead, .searchLeads, .getLead: return false
            }
        }
    }
}
