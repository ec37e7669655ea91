import struct Foundation.Date

extension FakeNLPearl {
    /// Adds leads to a campaign in process, without HTTP and without the 50,000 limit of one Add Leads call.
    ///
    /// For seeding: a million leads take a second or two and some 120 MB. Each lead is checked as Add Leads
    /// checks one (an E.164 phone number, a non-empty external id if any) and its status must be one of
    /// ``leadStatuses``; one lead at fault adds none. Not recorded in ``calls``.
    ///
    /// - Parameters:
    ///   - leads: The leads, added to the end of the campaign in order.
    ///   - campaignId: The campaign (a pearlId or outboundId).
    /// - Returns: The generated ids, in the order of `leads`.
    /// - Throws: ``ContractValidator/Violation`` naming the first lead at fault, as `leads[i].phoneNumber`.
    @discardableResult
    public func addLeads(_ leads: [NewLead], to campaignId: String) throws(ContractValidator.Violation) -> [String] {
        for (index, lead) in leads.enumerated() {
            if let violation = ContractValidator.violation(of: lead, field: "leads[\(index)].") { throw violation }
        }
        let now = Date()
        return core.state.withLock { $0.leads.add(leads, to: campaignId, now: now) }.map(\.hex)
    }

    /// The leads that a campaign holds now, in the order they were added.
    public func leads(in campaignId: String) -> [Lead] {
        core.state.withLock { $0.leads.leads(in: campaignId) }.map(\.view)
    }

    /// How many leads a campaign holds now; cheaper than ``leads(in:)`` for a large store.
    public func leadCount(in campaignId: String) -> Int {
        core.state.withLock { $0.leads.count(in: campaignId) }
    }

    /// One lead of a campaign; nil when the campaign holds no lead of this id.
    public func lead(_ id: String, in campaignId: String) -> Lead? {
        core.state.withLock { $0.leads.lead(id, in: campaignId) }?.view
    }

    /// Sets the status of one lead, as NLPearl does when it calls the lead.
    ///
    /// - Returns: False when the campaign holds no lead of this id, or the status is not one of ``leadStatuses``.
    @discardableResult
    public func setStatus(_ status: Int, ofLead id: String, in campaignId: String) -> Bool {
        guard Self.leadStatuses.contains(status) else { return false }
        return core.state.withLock { $0.leads.setStatus(status, of: id, in: campaignId) }
    }
}
