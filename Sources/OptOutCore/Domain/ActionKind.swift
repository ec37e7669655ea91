/// What the bridge asks NLPearl to do for one row of an opt-out's work.
///
/// An opt-out deletes its leads (`DELETE /v2/Outbound/{pearlId}/Leads`), puts its phone numbers on the account
/// blacklist (`POST /v2/Account/Blacklist`, SPEC §9) and, with `campaigns.searchOnOptOut`, searches the listed
/// campaigns for its phones and CRM ids (`POST /v1/Outbound/{id}/Leads`, SPEC §10). All three are journaled, queued,
/// retried and answered the same way, so they share one table and one ``LeadStatus``; this tells them apart.
public enum ActionKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// Delete one lead of one campaign.
    case delete
    /// Add one phone number (E.164) to NLPearl's account blacklist.
    case blacklist
    /// Search one campaign (`pearlId`) for the leads of one contact key (`leadId`, such as `phone:+15551234567` or
    /// `hubspot:901`); the exact matches become leads to delete of the same opt-out. `deleted` means searched.
    case search
}
