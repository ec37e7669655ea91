/// One page of a Search Leads answer: the total and the leads of the page.
public struct SearchLeadsPage: Sendable, Hashable {
    /// How many leads match the search in all, on every page: NLPearl's `count`.
    public var count: Int
    /// The page's leads, in NLPearl's order: NLPearl's `results`.
    public var leads: [NLPearlLead]

    /// Creates a page.
    public init(count: Int, leads: [NLPearlLead]) {
        self.count = count
        self.leads = leads
    }
}
