/// Every lead of a campaign, fetched one page at a time as they are read.
///
/// Made by ``NLPearlClient/allLeads(campaignId:pageSize:skip:)``. Iterating sends one Search Leads call per
/// page, and only when the page before it has been read: at most one page is held, and a slow reader slows the
/// calls down instead of filling memory. Paging ends when `skip` reaches the `count` of the latest answer (the
/// count may change from page to page); it throws a ``LeadPagingError`` when a search fails or a page is empty
/// before the count is reached, after which the iterator ends.
///
/// Paging is by offset, as the endpoint offers nothing else: a lead deleted from the campaign behind the
/// cursor (by this bridge, or anyone) moves later leads one place back, so the next page misses one. A caller
/// that deletes what it reads, such as a sweep, deletes after a pass or pages the campaign again afterwards.
public struct NLPearlLeadPages: AsyncSequence, Sendable {
    public typealias Element = NLPearlLead

    let client: NLPearlClient
    let campaignId: String
    let pageSize: Int
    let skip: Int

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(pages: self)
    }

    /// Reads the leads of the current page, and fetches the next when they run out.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private let pages: NLPearlLeadPages
        private var skip: Int
        private var count: Int?
        private var buffer: [NLPearlLead] = []
        private var index = 0
        private var finished = false

        init(pages: NLPearlLeadPages) {
            self.pages = pages
            self.skip = Swift.max(0, pages.skip)
        }

        /// The next lead; nil at the end. Throws only ``LeadPagingError``.
        public mutating func next() async throws -> NLPearlLead? {
            if index < buffer.count {
                defer { index += 1 }
                return buffer[index]
            }
            buffer = []
            guard !finished else { return nil }
            guard pages.pageSize >= 1 else {
                finished = true
                throw LeadPagingError(code: .invalidPageSize, skip: skip)
            }
            if let count, skip >= count {
                finished = true
                return nil
            }
            let outcome = await pages.client.searchLeads(
                campaignId: pages.campaignId, skip: skip, limit: pages.pageSize)
            guard case .page(let page) = outcome else {
                finished = true
                throw LeadPagingError(code: .searchFailed, outcome: outcome, skip: skip, count: count)
            }
            count = page.count
            guard !page.leads.isEmpty else {
                finished = true
                if skip < page.count {
                    throw LeadPagingError(code: .emptyPage, outcome: outcome, skip: skip, count: page.count)
                }
                return nil
            }
            skip += page.leads.count
            buffer = page.leads
            index = 1
            return buffer[0]
        }
    }
}

extension NLPearlClient {
    /// Every lead of a campaign, in NLPearl's order, paged through with Search Leads as it is read.
    ///
    /// Nothing is sent until the sequence is iterated; each call is a
    /// ``searchLeads(campaignId:skip:limit:searchInput:statuses:)`` without filters, and ``NLPearlLeadPages``
    /// says how paging ends and fails.
    ///
    /// - Parameters:
    ///   - campaignId: The campaign.
    ///   - pageSize: Leads per call, within ``searchLimits``; the largest by default, for the fewest calls.
    ///   - skip: How many leads to pass over first, such as the ``LeadPagingError/skip`` of an interrupted pass.
    /// - Returns: The leads, as an `AsyncSequence` that throws ``LeadPagingError``.
    public func allLeads(
        campaignId: String,
        pageSize: Int = NLPearlClient.searchLimits.upperBound,
        skip: Int = 0
    ) -> NLPearlLeadPages {
        NLPearlLeadPages(client: self, campaignId: campaignId, pageSize: pageSize, skip: skip)
    }
}
