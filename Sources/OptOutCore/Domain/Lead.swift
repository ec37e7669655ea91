/// One NLPearl lead: the outbound campaign (`pearlId`) and the lead in it (`leadId`).
///
/// NLPearl deletes leads per campaign (`DELETE /v2/Outbound/{pearlId}/Leads`), so the pair is the unit of work.
public struct Lead: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The outbound campaign.
    public var pearlId: String
    /// The lead within that campaign.
    public var leadId: String

    /// Creates a lead.
    public init(pearlId: String, leadId: String) {
        self.pearlId = pearlId
        self.leadId = leadId
    }

    /// `pearlId/leadId`.
    public var description: String { "\(pearlId)/\(leadId)" }
}
