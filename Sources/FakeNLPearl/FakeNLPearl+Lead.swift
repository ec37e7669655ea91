import struct Foundation.Date

extension FakeNLPearl {
    /// The lead statuses that NLPearl's reference lists: 1 New, 10 NeedRetry, 20 InCallQueue, 30 WrongCountryCode,
    /// 40 OnCall, 70 VoiceMailLeft, 100 Success, 110 NotSuccessfull, 130 Complete, 150 Unreachable, 500 Error.
    public static let leadStatuses: Set<Int> = [1, 10, 20, 30, 40, 70, 100, 110, 130, 150, 500]

    /// The status of a lead just added: New.
    public static let newLeadStatus = 1

    /// One lead of the fake's store, as ``FakeNLPearl/leads(in:)`` reads it.
    public struct Lead: Sendable, Hashable {
        /// The generated id: 24 lowercase hexadecimal digits, as NLPearl's ObjectIds.
        public var id: String
        /// The phone number, in E.164 form.
        public var phoneNumber: String
        /// The lead's identifier in an external system, if it was added with one.
        public var externalId: String?
        /// The status; ``FakeNLPearl/newLeadStatus`` unless it was added or set otherwise.
        public var status: Int
        /// When the lead was added, to the second (the answers write it as `2024-05-01T12:00:00Z`).
        public var created: Date
        /// The lead's variables, if it was added with any.
        public var callData: [String: String]?
    }

    /// A lead to add, in process (``FakeNLPearl/addLeads(_:to:)``) or as Add Lead and Add Leads bodies carry one
    /// (`LeadToAddApi`).
    public struct NewLead: Sendable, Hashable {
        /// The phone number: `+` and 2 to 15 digits.
        public var phoneNumber: String
        /// The lead's identifier in an external system.
        public var externalId: String?
        /// The lead's variables; the contract checks take string values only.
        public var callData: [String: String]?
        /// The status to store; over HTTP always ``FakeNLPearl/newLeadStatus``, in process any of
        /// ``FakeNLPearl/leadStatuses``, so that tests can seed leads in every status.
        public var status: Int
        /// When the lead was created; nil for now.
        public var created: Date?

        /// Creates a lead to add.
        public init(
            phoneNumber: String,
            externalId: String? = nil,
            callData: [String: String]? = nil,
            status: Int = FakeNLPearl.newLeadStatus,
            created: Date? = nil
        ) {
            self.phoneNumber = phoneNumber
            self.externalId = externalId
            self.callData = callData
            self.status = status
            self.created = created
        }
    }

    /// A Search Leads body (`LeadSearch`) that keeps the contract.
    public struct LeadSearch: Sendable, Hashable {
        /// The property names that `sortProp` may name: those of a result.
        public static let sortProperties: Set<String> = ["id", "externalId", "phoneNumber", "status", "created"]

        /// How many matches to pass over.
        public var skip: Int = 0
        /// How many matches to answer at most.
        public var limit: Int = 100
        /// The property to sort by; nil for the order in which leads were added.
        public var sortProp: String?
        /// Whether the sort is ascending; true when the body leaves it out.
        public var isAscending: Bool = true
        /// Only leads of these statuses; nil for all.
        public var statuses: Set<Int>?
        /// Text that a lead's phone number or external id contains, in any letter case; nil for all leads.
        public var searchInput: String?
    }
}
