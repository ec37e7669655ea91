import OptOutCore

/// The leads of one NLPearl call: one `pearlId`, distinct lead ids, and the journal rows behind them.
///
/// Two opt-outs may name the same lead; it is sent once and its outcome applies to both rows. Phone numbers to
/// blacklist travel the same way, under the empty `pearlId` of every blacklist row, so that a call never names a
/// number twice (NLPearl refuses duplicates).
struct DeliveryBatch: Sendable {
    let lane: DeliveryLane
    let items: [DeliveryItem]
    let leadIds: [String]

    /// The campaign; empty for the blacklist.
    var pearlId: String { lane.pearlId }
    /// Whether the call deletes leads, blacklists phone numbers or searches a campaign.
    var kind: ActionKind { lane.kind }

    init(lane: DeliveryLane, items: [DeliveryItem]) {
        self.lane = lane
        self.items = items
        var seen = Set<String>()
        leadIds = items.map(\.lead.leadId).filter { seen.insert($0).inserted }
    }

    /// Halves by distinct lead id, so that bisection finds the leads NLPearl objects to.
    func split() -> (DeliveryBatch, DeliveryBatch) {
        let firstHalf = Set(leadIds.prefix(leadIds.count / 2))
        let first = items.filter { firstHalf.contains($0.lead.leadId) }
        let second = items.filter { !firstHalf.contains($0.lead.leadId) }
        return (DeliveryBatch(lane: lane, items: first), DeliveryBatch(lane: lane, items: second))
    }
}
