extension FakeNLPearl {
    /// The NLPearl endpoints that the fake serves.
    public enum Endpoint: String, Sendable, Hashable, CaseIterable {
        /// `DELETE /v2/Outbound/{pearlId}/Leads`, `nlpearl-delete-leads.openapi.yaml`.
        case deleteLeads
        /// `POST /v2/Account/Blacklist`, which adds numbers to the account blacklist.
        case blacklist

        /// The only method that the contract allows on the endpoint's path.
        public var method: String {
            switch self {
            case .deleteLeads: return "DELETE"
            case .blacklist: return "POST"
            }
        }

        /// The path as the contract writes it.
        public var path: String {
            switch self {
            case .deleteLeads: return "/v2/Outbound/{pearlId}/Leads"
            case .blacklist: return "/v2/Account/Blacklist"
            }
        }
    }
}
