/// How the journal came to know a lead to delete, beyond the mapping file (SPEC §10).
public enum LeadOrigin: String, Sendable, Codable, Hashable, CaseIterable {
    /// A search of a listed campaign for the opt-out's phone or CRM id found it (`campaigns.searchOnOptOut`).
    case search
    /// The sweep of the listed campaigns found it, its phone or CRM id on the suppression list.
    case sweep
}
