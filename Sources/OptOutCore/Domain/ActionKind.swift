/// What the bridge asks NLPearl to do for one row of an opt-out's work.
///
/// An opt-out deletes its leads (`DELETE /v2/Outbound/{pearlId}/Leads`) and puts its phone numbers on the account
/// blacklist (`POST /v2/Account/Blacklist`, SPEC §9). Both are journaled, batched, retried and answered the same way,
/// so they share one table and one ``LeadStatus``; this tells them apart.
public enum ActionKind: String, Sendable, Codable, Hashable, CaseIterable {
    /// Delete one lead of one campaign.
    case delete
    /// Add one phone number (E.164) to NLPearl's account blacklist.
    case blacklist
}
