import JSON

/// The wire form of one Search Leads call: its URL and its `LeadSearch` body.
///
/// Built by hand like ``DeleteLeadsRequest``, with its JSON string escaping. Only `skip` and `limit` are always
/// sent; `searchInput` and `statuses` only when given, and `sortProp` and `isAscending` never: the reference
/// does not say which property names sort, so NLPearl's own order is the one paged through.
struct SearchLeadsRequest: Sendable {
    var url: String
    var body: [UInt8]

    init(baseURL: String, campaignId: String, skip: Int, limit: Int, searchInput: String?, statuses: [Int]?) {
        url = Self.url(baseURL: baseURL, campaignId: campaignId)
        body = Self.body(skip: skip, limit: limit, searchInput: searchInput, statuses: statuses)
    }

    /// `{baseURL}/v1/Outbound/{outboundId}/Leads`, the campaign percent-encoded as one path segment.
    static func url(baseURL: String, campaignId: String) -> String {
        DeleteLeadsRequest.join(
            baseURL, path: "/v1/Outbound/" + DeleteLeadsRequest.encodePathSegment(campaignId) + "/Leads")
    }

    /// `{"skip":S,"limit":L}`, then `"searchInput"` and `"statuses"` when given; no whitespace.
    static func body(skip: Int, limit: Int, searchInput: String?, statuses: [Int]?) -> [UInt8] {
        JSONWriter.bytes { json in
            json.object { json in
                json.member("skip", skip)
                json.member("limit", limit)
                json.member("searchInput", searchInput)
                if let statuses {
                    json.member("statuses") { json in
                        json.array { json in
                            for status in statuses { json.int(status) }
                        }
                    }
                }
            }
        }
    }
}
