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
    public var callData: [String: ValidationProblemDetails.JSONValue]?

    /// Creates a lead.
    public init(
        id: String,
        externalId: String? = nil,
        phoneNumber: String? = nil,
        timeZone: String? = nil,
        status: Int? = nil,
        created: String? = nil,
        callData: [String: ValidationProblemDetails.JSONValue]? = nil
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

extension NLPearlLead: Decodable {
    private enum CodingKeys: String, CodingKey {
        case id, externalId, phoneNumber, timeZone, status, created, callData
    }

    /// Decodes a lead; other members than the seven are ignored, since an answer may grow.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let id = try container.decode(String.self, forKey: .id)
        guard !id.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .id, in: container, debugDescription: "empty lead id")
        }
        self.init(
            id: id,
            externalId: try container.decodeIfPresent(String.self, forKey: .externalId),
            phoneNumber: try container.decodeIfPresent(String.self, forKey: .phoneNumber),
            timeZone: try container.decodeIfPresent(String.self, forKey: .timeZone),
            status: try container.decodeIfPresent(Int.self, forKey: .status),
            created: try container.decodeIfPresent(String.self, forKey: .created),
            callData: try container.decodeIfPresent(
                [String: ValidationProblemDetails.JSONValue].self, forKey: .callData)
        )
    }
}
