import JSON

/// One lead of a campaign, as NLPearl's Search Leads answers it.
///
/// The members of `LeadApiSearchView` in NLPearl's published reference of `POST /v1/Outbound/{outboundId}/Leads`
/// (https://developers.nlpearl.ai/api-reference/outbound/search-leads): `id`, `externalId`, `phoneNumber`,
/// `timeZone`, `status`, `created` and `callData`. Get Lead
/// (https://developers.nlpearl.ai/api-reference/outbound/get-lead) answers the same members and more (calls).
///
/// The reference marks `id` as `string | null`; a lead without one cannot be deleted or named, so an answer
/// holding one is refused as a whole (``SearchLeadsOutcome/unexpected(status:detail:)``) rather than
/// handed on with a hole.
public struct NLPearlLead: Sendable, Hashable {
    /// The lead's identifier, an ObjectId (24 hexadecimal digits): what a delete names.
    public var id: String
    /// The lead's identifier in an external system such as a CRM; the join with a CRM contact id.
    public var externalId: String?
    /// The lead's phone number, as NLPearl holds it (usually E.164).
    public var phoneNumber: String?
    /// The lead's time zone, which the reference describes as an offset written as a float (`-5.0`).
    public var timeZone: String?
    /// The status of the lead's last conversation: 1 New, 10 NeedRetry, 20 InCallQueue, 30 WrongCountryCode,
    /// 40 OnCall, 70 VoiceMailLeft, 100 Success, 110 NotSuccessfull, 130 Complete, 150 Unreachable, 500 Error.
    public var status: Int?
    /// When the lead was created, as NLPearl wrote it (ISO 8601, such as `2023-11-07T05:31:56Z`); kept as text
    /// because the reference does not fix its precision or offset.
    public var created: String?
    /// The lead's variables for the Pearl's script, by name.
    public var callData: [String: JSONValue]?

    /// Creates a lead.
    public init(
        id: String,
        externalId: String? = nil,
        phoneNumber: String? = nil,
        timeZone: String? = nil,
        status: Int? = nil,
        created: String? = nil,
        callData: [String: JSONValue]? = nil
    ) {
        self.id = id
        self.externalId = externalId
        self.phoneNumber = phoneNumber
        self.timeZone = timeZone
        self.status = status
        self.created = created
        self.callData = callData
    }
}

extension NLPearlLead {
    /// A member of a lead that does not have the documented type: `id: missing`, `status: not an integer`.
    struct MemberError: Error {
        var member: String
        var problem: String
    }

    /// The lead of one element of Search Leads' `results`; `id` is required and not empty, every other member may
    /// be missing or `null`, and members the client does not know are ignored.
    init(json: JSONValue) throws(MemberError) {
        guard json.asObject != nil else { throw MemberError(member: "", problem: "not an object") }
        func string(_ member: String) throws(MemberError) -> String? {
            guard let value = json[member], !value.isNull else { return nil }
            guard let text = value.asString else { throw MemberError(member: member, problem: "not a string") }
            return text
        }
        guard let id = try string("id") else { throw MemberError(member: "id", problem: "missing") }
        guard !id.isEmpty else { throw MemberError(member: "id", problem: "empty lead id") }
        var status: Int?
        if let value = json["status"], !value.isNull {
            guard let code = value.intValue else { throw MemberError(member: "status", problem: "not an integer") }
            status = code
        }
        var callData: [String: JSONValue]?
        if let value = json["callData"], !value.isNull {
            guard let members = value.asObject else { throw MemberError(member: "callData", problem: "not an object") }
            callData = Dictionary(members.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
        }
        self.init(
            id: id, externalId: try string("externalId"), phoneNumber: try string("phoneNumber"),
            timeZone: try string("timeZone"), status: status, created: try string("created"), callData: callData)
    }
}
