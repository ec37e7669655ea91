import JSON

extension NLPearlClient {
    /// The `limit` values that a search may ask for, 1 to 100.
    ///
    /// NLPearl's stored reference gives `limit` only as an integer, "Limit on the number of entries to return";
    /// it names no bounds. A limit of 0 returns nothing and cannot page, and 100 is the usual ceiling of a table
    /// search, so the client pages by 100 and the fake refuses anything outside these bounds: code that keeps to
    /// them keeps to any bound NLPearl is likely to enforce.
    public static let searchLimits: ClosedRange<Int> = 1...100

    /// The largest Search Leads answer read: 8 MiB.
    ///
    /// A page of 100 leads is some 30 KiB without `callData`; the bound leaves each lead 80 KiB of variables, and
    /// still keeps a broken or hostile answer from filling memory. A larger answer is
    /// ``SearchLeadsOutcome/unexpected(status:detail:)``.
    static let maxSearchResponseBytes = 8 << 20

    /// Searches the leads of one campaign, one page at a time.
    ///
    /// Sends `POST {baseURL}/v1/Outbound/{outboundId}/Leads` with a `LeadSearch` body (`skip`, `limit`, and
    /// `searchInput` and `statuses` when given), through the send path of ``deleteLeads(pearlId:leadIds:)``:
    /// the same token, headers, deadline, refused redirects and redaction, with answers read up to 8 MiB. Never
    /// throws: every failure is an outcome.
    ///
    /// NLPearl's published reference (https://developers.nlpearl.ai/api-reference/outbound/search-leads and
    /// https://developers.nlpearl.ai/api-reference/v1/outbound/search-leads.md, "Search Leads", OpenAPI
    /// `post /v1/Outbound/{outboundId}/Leads`) says:
    /// - the body is `LeadSearch`, which "extends TableSearch": `skip` ("Number of entries to skip for
    ///   pagination"), `limit` ("Limit on the number of entries to return"), `sortProp` (`string | null`),
    ///   `isAscending`, `statuses` (`integer[] | null`, "Only leads with this status will be included") and
    ///   `searchInput` (`string | null`, "Text to filter by"), as `application/json`, `text/json` or
    ///   `application/*+json`;
    /// - 200 answers `{"count": integer, "results": [...]}`, `count` being the total, each result a lead
    ///   (``NLPearlLead``); 400 is `ValidationProblemDetails`.
    ///
    /// It is silent on the bounds of `limit` (the client reads them as ``searchLimits``), on the order without
    /// `sortProp`, and on how `searchInput` matches: it may match part of a phone number or external id, so a
    /// caller that wants one lead checks each result for an exact match itself. Values are sent as given;
    /// NLPearl judges them, and a 400 names the fields at fault.
    ///
    /// - Parameters:
    ///   - campaignId: The campaign (an "outbound" in v1 paths, a "Pearl" in v2); sent percent-encoded as one
    ///     path segment.
    ///   - skip: How many matching leads to pass over; 0 for the first page.
    ///   - limit: How many leads to answer at most, within ``searchLimits``.
    ///   - searchInput: Text to filter by, such as a phone number or an external id; nil for every lead.
    ///   - statuses: Only leads of these statuses; nil for every status.
    /// - Returns: One page and the total, or why none came.
    public func searchLeads(
        campaignId: String,
        skip: Int = 0,
        limit: Int = NLPearlClient.searchLimits.upperBound,
        searchInput: String? = nil,
        statuses: [Int]? = nil
    ) async -> SearchLeadsOutcome {
        let wire = SearchLeadsRequest(
            baseURL: configuration.baseURL, campaignId: campaignId, skip: skip, limit: limit,
            searchInput: searchInput, statuses: statuses
        )
        switch await exchange(.POST, url: wire.url, body: wire.body, maxResponseBytes: Self.maxSearchResponseBytes) {
        case .failed(let outcome):
            return SearchLeadsOutcome(outcome)
        case .answered(let answer) where answer.status == 200:
            return Self.page(in: answer.body.readableBytesView, redactor)
        case .answered(let answer):
            return SearchLeadsOutcome(answer.outcome(redactor: redactor))
        }
    }

    /// The page in a 200 body, or ``SearchLeadsOutcome/unexpected(status:detail:)`` naming what is wrong.
    ///
    /// `count` must be a non-negative integer. `results` must be an array of leads each with an `id`; a missing
    /// or `null` `results` is read as no leads, since NLPearl's generator marks its arrays nullable.
    static func page(in body: some Collection<UInt8>, _ redactor: TokenRedactor) -> SearchLeadsOutcome {
        func unexpected(_ problem: String) -> SearchLeadsOutcome {
            .unexpected(
                status: 200,
                detail: "body is not a page of leads (\(redactor.redact(problem))): "
                    + DeleteLeadsOutcome.snippet(body, redactor))
        }
        guard let root = try? JSONParser.parse(Array(body)), root.asObject != nil else {
            return unexpected("not a JSON object")
        }
        guard let countValue = root["count"], !countValue.isNull else { return unexpected("count: missing") }
        guard let count = countValue.intValue else { return unexpected("count: not an integer") }
        guard count >= 0 else {
            return .unexpected(status: 200, detail: "count is negative (\(count))")
        }
        var leads: [NLPearlLead] = []
        if let results = root["results"], !results.isNull {
            guard let elements = results.asArray else { return unexpected("results: not an array") }
            leads.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                do {
                    leads.append(try NLPearlLead(json: element))
                } catch {
                    return unexpected("results[\(index)].\(error.member): \(error.problem)")
                }
            }
        }
        return .page(SearchLeadsPage(count: count, leads: leads))
    }
}
