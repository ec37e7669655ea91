/// The contract checks of the lead endpoints: Add Lead, Add Leads, Search Leads and Get Lead.
///
/// From NLPearl's published reference:
/// - Add Lead, `POST /v2/Outbound/{pearlId}/Lead` (https://developers.nlpearl.ai/api-reference/v2/outbound/add-lead):
///   a `LeadToAddApi` body, `phoneNumber` required ("Minimum string length: 1"), `externalId` (`string | null`),
///   `timeZoneId` (`string | null`) and `callData` (`object`); answers `{"leadId": string | null}`.
/// - Add Leads, `POST /v2/Outbound/{pearlId}/Leads/Add` (https://developers.nlpearl.ai/api-reference/v2/outbound/add-leads
///   and its `.md` OpenAPI copy): `LeadsToAddApi`, `{"leads": LeadToAddApi[] | null}`, "Max 50,000 leads", each
///   "must follow the validation rules defined in LeadToAddApi"; answers a boolean, and 400 when "the request is
///   invalid or some leads could not be added".
/// - Search Leads, `POST /v1/Outbound/{outboundId}/Leads` (https://developers.nlpearl.ai/api-reference/outbound/search-leads):
///   `LeadSearch`, `skip`, `limit`, `sortProp` (`string | null`), `isAscending` (boolean), `statuses`
///   (`integer[] | null`, of the listed status codes) and `searchInput` (`string | null`, "Text to filter by").
/// - Get Lead, `GET /v1/Outbound/{outboundId}/Lead/{leadId}` (https://developers.nlpearl.ai/api-reference/outbound/get-lead):
///   the lead's id is "represented as an ObjectId".
///
/// Where the reference is silent, the fake takes the strict reading, each one a client bug whatever NLPearl does:
/// - `limit` must be within ``searchLimits`` (1 to 100) and is required; `skip` is 0 when left out, else 0 to
///   `Int32.max` (.NET's `int`).
/// - `sortProp` names a result property (``FakeNLPearl/LeadSearch/sortProperties``); `statuses`, when sent, is a
///   non-empty list of listed codes; `searchInput`, when sent, is not empty: an empty filter that matched every
///   lead would make a search for one person's leads answer the whole campaign.
/// - A phone number is E.164: `+` and 2 to 15 digits. `externalId` and `timeZoneId`, when sent, are not empty;
///   `callData` is an object of string values (the documented examples), never `null` (the v2 schema says
///   `object`).
/// - Other members are refused: NLPearl's generator writes `additionalProperties: false` for its request schemas.
/// - `leads` is required and not empty, and one lead at fault refuses the whole call: no lead is added, so a
///   test never depends on which leads NLPearl would have kept.
/// - Get Lead's `leadId` must be an ObjectId (24 hexadecimal digits), else 400; an ObjectId the campaign does
///   not hold is 404 (not a contract violation: asking is fair).
extension ContractValidator {
    /// The `limit` values that Search Leads takes.
    public static let searchLimits: ClosedRange<Int> = 1...100

    /// The most leads that one Add Leads call takes.
    public static let maxLeadsPerAdd = 50_000

    /// The search of a `LeadSearch` body, or how the body breaks the contract.
    static func leadSearch(in body: [UInt8]) -> Result<FakeNLPearl.LeadSearch, Violation> {
        let members: Set<String> = ["skip", "limit", "sortProp", "isAscending", "statuses", "searchInput"]
        let object: [String: FakeJSON]
        switch jsonObject(body, schema: "LeadSearch", members: members, example: #"{"skip": 0, "limit": 100}"#) {
        case .failure(let violation): return .failure(violation)
        case .success(let found): object = found
        }
        var search = FakeNLPearl.LeadSearch()
        switch object["skip"] {
        case nil: search.skip = 0
        case .integer(let skip)?:
            guard skip >= 0, skip <= Int64(Int32.max) else {
                return refuse("skip is \(skip); send 0 to \(Int32.max)", "skip")
            }
            search.skip = Int(skip)
        case let other?: return refuse("skip is \(other.kind), not an integer", "skip")
        }
        switch object["limit"] {
        case nil:
            return refuse("limit is missing; send \(searchLimits.lowerBound) to \(searchLimits.upperBound)", "limit")
        case .integer(let limit)?:
            guard limit >= Int64(searchLimits.lowerBound), limit <= Int64(searchLimits.upperBound) else {
                return refuse(
                    "limit is \(limit); send \(searchLimits.lowerBound) to \(searchLimits.upperBound)", "limit")
            }
            search.limit = Int(limit)
        case let other?: return refuse("limit is \(other.kind), not an integer", "limit")
        }
        switch object["sortProp"] {
        case nil, .null?: search.sortProp = nil
        case .string(let property)? where FakeNLPearl.LeadSearch.sortProperties.contains(property):
            search.sortProp = property
        case .string(let property)?:
            let known = FakeNLPearl.LeadSearch.sortProperties.sorted().joined(separator: ", ")
            return refuse("sortProp \"\(property)\" is not a property of a lead; use one of \(known)", "sortProp")
        case let other?: return refuse("sortProp is \(other.kind), not a string", "sortProp")
        }
        switch object["isAscending"] {
        case nil: search.isAscending = true
        case .bool(let ascending)?: search.isAscending = ascending
        case let other?: return refuse("isAscending is \(other.kind), not a boolean", "isAscending")
        }
        switch object["statuses"] {
        case nil, .null?: search.statuses = nil
        case .array(let elements)?:
            guard !elements.isEmpty else {
                return refuse("statuses is empty; leave it out or send null for every status", "statuses")
            }
            var statuses: Set<Int> = []
            for (index, element) in elements.enumerated() {
                let field = "statuses[\(index)]"
                guard case .integer(let status) = element else {
                    return refuse("\(field) is \(element.kind), not an integer", field)
                }
                guard let status = Int(exactly: status), FakeNLPearl.leadStatuses.contains(status) else {
                    return refuse("\(field) \(status) is not a lead status (\(statusList))", field)
                }
                statuses.insert(status)
            }
            search.statuses = statuses
        case let other?: return refuse("statuses is \(other.kind), not an array of integers", "statuses")
        }
        switch object["searchInput"] {
        case nil, .null?: search.searchInput = nil
        case .string(let text)?:
            guard !text.isEmpty else {
                return refuse("searchInput is empty; leave it out or send null to search every lead", "searchInput")
            }
            search.searchInput = text
        case let other?: return refuse("searchInput is \(other.kind), not a string", "searchInput")
        }
        return .success(search)
    }

    /// The lead of a `LeadToAddApi` body, or how the body breaks the contract.
    static func newLead(in body: [UInt8]) -> Result<FakeNLPearl.NewLead, Violation> {
        switch jsonObject(body, schema: "LeadToAddApi", members: leadMembers, example: #"{"phoneNumber": "+1..."}"#) {
        case .failure(let violation): return .failure(violation)
        case .success(let object): return newLead(object, prefix: "")
        }
    }

    /// The leads of a `LeadsToAddApi` body, or how the body breaks the contract.
    static func newLeads(in body: [UInt8]) -> Result<[FakeNLPearl.NewLead], Violation> {
        let object: [String: FakeJSON]
        switch jsonObject(body, schema: "LeadsToAddApi", members: ["leads"], example: #"{"leads": [...]}"#) {
        case .failure(let violation): return .failure(violation)
        case .success(let found): object = found
        }
        guard let value = object["leads"], value != .null else {
            return refuse("leads is missing or null; send one or more leads to add", "leads")
        }
        guard case .array(let elements) = value else {
            return refuse("leads is \(value.kind), not an array", "leads")
        }
        guard !elements.isEmpty else { return refuse("leads is empty; send one or more leads to add", "leads") }
        guard elements.count <= maxLeadsPerAdd else {
            return refuse("leads has \(elements.count) leads; one call adds at most \(maxLeadsPerAdd)", "leads")
        }
        var leads: [FakeNLPearl.NewLead] = []
        leads.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let field = "leads[\(index)]"
            guard case .object(let lead) = element else { return refuse("\(field) is \(element.kind)", field) }
            if let extra = lead.keys.filter({ !leadMembers.contains($0) }).sorted().first {
                return refuse(
                    "\(field) has the property \"\(extra)\"; LeadToAddApi allows no additional properties",
                    "\(field).\(extra)")
            }
            switch newLead(lead, prefix: field + ".") {
            case .failure(let violation): return .failure(violation)
            case .success(let newLead): leads.append(newLead)
            }
        }
        return .success(leads)
    }

    /// How a lead added in process breaks the rules of a lead added over HTTP, or nil; its status must be listed.
    static func violation(of lead: FakeNLPearl.NewLead, field: String) -> Violation? {
        if !isPhoneNumber(lead.phoneNumber) { return phoneViolation(lead.phoneNumber, field: field + "phoneNumber") }
        if lead.externalId?.isEmpty == true {
            return .init(status: 400, detail: "\(field)externalId is empty", field: field + "externalId")
        }
        guard FakeNLPearl.leadStatuses.contains(lead.status) else {
            return .init(
                status: 400, detail: "\(field)status \(lead.status) is not a lead status (\(statusList))",
                field: field + "status")
        }
        return nil
    }

    /// Whether a text is a phone number in E.164 form: `+` and 2 to 15 ASCII digits.
    static func isPhoneNumber(_ text: String) -> Bool {
        let bytes = text.utf8
        guard (3...16).contains(bytes.count), bytes.first == UInt8(ascii: "+") else { return false }
        return bytes.dropFirst().allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    private static let leadMembers: Set<String> = ["phoneNumber", "externalId", "timeZoneId", "callData"]

    private static var statusList: String {
        FakeNLPearl.leadStatuses.sorted().map(String.init).joined(separator: ", ")
    }

    private static func newLead(_ object: [String: FakeJSON], prefix: String) -> Result<FakeNLPearl.NewLead, Violation>
    {
        let phoneField = prefix + "phoneNumber"
        guard let phone = object["phoneNumber"], phone != .null else {
            return refuse("\(phoneField) is missing; it is required", phoneField)
        }
        guard case .string(let phoneNumber) = phone else {
            return refuse("\(phoneField) is \(phone.kind), not a string", phoneField)
        }
        guard isPhoneNumber(phoneNumber) else { return .failure(phoneViolation(phoneNumber, field: phoneField)) }
        var lead = FakeNLPearl.NewLead(phoneNumber: phoneNumber)
        for name in ["externalId", "timeZoneId"] {
            let field = prefix + name
            switch object[name] {
            case nil, .null?: continue
            case .string(let text)?:
                guard !text.isEmpty else { return refuse("\(field) is empty; leave it out or send null", field) }
                if name == "externalId" { lead.externalId = text }
            case let other?: return refuse("\(field) is \(other.kind), not a string", field)
            }
        }
        let dataField = prefix + "callData"
        switch object["callData"] {
        case nil: break
        case .object(let members)?:
            var callData: [String: String] = [:]
            for (key, value) in members {
                guard case .string(let text) = value else {
                    return refuse("\(dataField).\(key) is \(value.kind), not a string", "\(dataField).\(key)")
                }
                callData[key] = text
            }
            lead.callData = callData
        case let other?: return refuse("\(dataField) is \(other.kind), not an object", dataField)
        }
        return .success(lead)
    }

    private static func phoneViolation(_ phoneNumber: String, field: String) -> Violation {
        .init(
            status: 400,
            detail: "\(field) \"\(phoneNumber)\" is not a phone number in E.164 form: + and 2 to 15 digits, "
                + "such as +15551234567",
            field: field)
    }

    /// The body as a JSON object whose members are all among `members`, or why not.
    private static func jsonObject(
        _ body: [UInt8],
        schema: String,
        members: Set<String>,
        example: String
    ) -> Result<[String: FakeJSON], Violation> {
        guard !body.isEmpty else { return refuse("the request body is empty; send \(example)", "$") }
        guard let parsed = FakeJSON.parse(body) else { return refuse("the request body is not valid JSON", "$") }
        guard case .object(let object) = parsed else { return refuse("the request body is not a JSON object", "$") }
        let extra = object.keys.filter { !members.contains($0) }.sorted()
        guard extra.isEmpty else {
            let names = extra.map { "\"\($0)\"" }.joined(separator: ", ")
            return refuse(
                "the request body has properties that \(schema) does not define (\(names)); "
                    + "it allows no additional properties", extra[0])
        }
        return .success(object)
    }

    private static func refuse<T>(_ detail: String, _ field: String) -> Result<T, Violation> {
        .failure(.init(status: 400, detail: detail, field: field))
    }
}
