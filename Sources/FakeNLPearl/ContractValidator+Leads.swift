import JSON

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
///   A member sent twice, in a body, a lead or `callData`, is refused too: parsers differ on which one wins.
/// - A number is an integer only as a literal without a fraction or an exponent (`1.5`, `1.0` and `1e2` are
///   refused where an integer is due), and `true` is not a number.
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
        let object: [String: JSONValue]
        switch jsonObject(body, schema: "LeadSearch", members: members, example: #"{"skip": 0, "limit": 100}"#) {
        case .failure(let violation): return .failure(violation)
        case .success(let found): object = found
        }
        // A member left out (or, where nil is allowed, sent as null) keeps the search's default.
        var search = FakeNLPearl.LeadSearch()
        if let value = object["skip"] {
            guard let skip = integer(value) else { return refuse("skip is \(kind(value)), not an integer", "skip") }
            guard skip >= 0, skip <= Int64(Int32.max) else {
                return refuse("skip is \(skip); send 0 to \(Int32.max)", "skip")
            }
            search.skip = Int(skip)
        }
        switch object["limit"] {
        case nil:
            return refuse("limit is missing; send \(searchLimits.lowerBound) to \(searchLimits.upperBound)", "limit")
        case let value?:
            guard let limit = integer(value) else {
                return refuse("limit is \(kind(value)), not an integer", "limit")
            }
            guard limit >= Int64(searchLimits.lowerBound), limit <= Int64(searchLimits.upperBound) else {
                return refuse(
                    "limit is \(limit); send \(searchLimits.lowerBound) to \(searchLimits.upperBound)", "limit")
            }
            search.limit = Int(limit)
        }
        if let value = object["sortProp"], !value.isNull {
            guard let property = value.asString else {
                return refuse("sortProp is \(kind(value)), not a string", "sortProp")
            }
            guard FakeNLPearl.LeadSearch.sortProperties.contains(property) else {
                let known = FakeNLPearl.LeadSearch.sortProperties.sorted().joined(separator: ", ")
                return refuse("sortProp \"\(property)\" is not a property of a lead; use one of \(known)", "sortProp")
            }
            search.sortProp = property
        }
        if let value = object["isAscending"] {
            guard let ascending = value.asBool else {
                return refuse("isAscending is \(kind(value)), not a boolean", "isAscending")
            }
            search.isAscending = ascending
        }
        if let value = object["statuses"], !value.isNull {
            guard let elements = value.asArray else {
                return refuse("statuses is \(kind(value)), not an array of integers", "statuses")
            }
            guard !elements.isEmpty else {
                return refuse("statuses is empty; leave it out or send null for every status", "statuses")
            }
            var statuses: Set<Int> = []
            for (index, element) in elements.enumerated() {
                let field = "statuses[\(index)]"
                guard let status = integer(element) else {
                    return refuse("\(field) is \(kind(element)), not an integer", field)
                }
                guard let status = Int(exactly: status), FakeNLPearl.leadStatuses.contains(status) else {
                    return refuse("\(field) \(status) is not a lead status (\(statusList))", field)
                }
                statuses.insert(status)
            }
            search.statuses = statuses
        }
        if let value = object["searchInput"], !value.isNull {
            guard let text = value.asString else {
                return refuse("searchInput is \(kind(value)), not a string", "searchInput")
            }
            guard !text.isEmpty else {
                return refuse("searchInput is empty; leave it out or send null to search every lead", "searchInput")
            }
            search.searchInput = text
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
        let elements: [JSONValue]
        switch itemsToAdd(in: body, schema: "LeadsToAddApi", member: "leads", items: "leads") {
        case .failure(let violation): return .failure(violation)
        case .success(let found): elements = found
        }
        guard elements.count <= maxLeadsPerAdd else {
            return refuse("leads has \(elements.count) leads; one call adds at most \(maxLeadsPerAdd)", "leads")
        }
        var leads: [FakeNLPearl.NewLead] = []
        leads.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let field = "leads[\(index)]"
            guard let members = element.asObject else { return refuse("\(field) is \(kind(element))", field) }
            if let extra = extraKeys(of: members, allowed: leadMembers).first {
                return refuse(
                    "\(field) has the property \"\(extra)\"; LeadToAddApi allows no additional properties",
                    "\(field).\(extra)")
            }
            let lead: [String: JSONValue]
            switch uniqueMembers(members, of: field, prefix: field + ".") {
            case .failure(let violation): return .failure(violation)
            case .success(let found): lead = found
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

    private static func newLead(_ object: [String: JSONValue], prefix: String) -> Result<FakeNLPearl.NewLead, Violation>
    {
        let phoneField = prefix + "phoneNumber"
        guard let phone = object["phoneNumber"], !phone.isNull else {
            return refuse("\(phoneField) is missing; it is required", phoneField)
        }
        guard let phoneNumber = phone.asString else {
            return refuse("\(phoneField) is \(kind(phone)), not a string", phoneField)
        }
        guard isPhoneNumber(phoneNumber) else { return .failure(phoneViolation(phoneNumber, field: phoneField)) }
        var lead = FakeNLPearl.NewLead(phoneNumber: phoneNumber)
        for name in ["externalId", "timeZoneId"] {
            let field = prefix + name
            guard let value = object[name], !value.isNull else { continue }
            guard let text = value.asString else { return refuse("\(field) is \(kind(value)), not a string", field) }
            guard !text.isEmpty else { return refuse("\(field) is empty; leave it out or send null", field) }
            if name == "externalId" { lead.externalId = text }
        }
        let dataField = prefix + "callData"
        if let value = object["callData"] {
            guard let members = value.asObject else {
                return refuse("\(dataField) is \(kind(value)), not an object", dataField)
            }
            var callData: [String: String] = [:]
            for member in members {
                let field = "\(dataField).\(member.key)"
                guard callData[member.key] == nil else {
                    return .failure(
                        .init(
                            status: 400,
                            detail: "\(dataField) has the member \"\(member.key)\" more than once; "
                                + "a repeated member is ambiguous, send each once", field: field))
                }
                guard let text = member.value.asString else {
                    return refuse("\(field) is \(kind(member.value)), not a string", field)
                }
                callData[member.key] = text
            }
            lead.callData = callData
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
}
