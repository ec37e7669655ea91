extension FakeNLPearl {
    /// How the fake answers requests that keep the contract.
    ///
    /// Requests that break it are answered by the contract checks, whatever the behaviour. One behaviour
    /// answers the valid calls of every endpoint, and its scripts count them all; the cases that name leads or
    /// numbers look at a delete's leads and a blacklist call's numbers, and answer the lead endpoints (Add Lead,
    /// Add Leads, Search Leads, Get Lead) as ``succeed``.
    ///
    /// "200 `true`" is the endpoint's own success for the lead endpoints: Add Lead answers `{"leadId"}`, Search
    /// Leads a page, Get Lead the lead (or 404), Add Leads `true`. ``answerFalse`` answers 200 `false` everywhere,
    /// which for an endpoint that answers an object is a body outside the contract, and adds nothing.
    public indirect enum Behaviour: Sendable {
        /// 200 `true`, the content type rotating through text/plain, application/json and text/json.
        case succeed
        /// 200 `true` with one content type.
        case succeedAs(ResponseContentType)
        /// 200 `false`.
        case answerFalse
        /// This status, with `Retry-After: seconds` when given. 200 answers `true`, 400 a
        /// `ValidationProblemDetails`; other statuses have an empty body.
        case status(Int, retryAfter: Int?)
        /// 429 with `Retry-After: seconds`.
        case rateLimited(retryAfterSeconds: Int)
        /// Waits, then answers as `then` says (for timeouts and latency).
        case delay(Duration, then: Behaviour)
        /// 400 naming the rejected leads in `errors` when any of them is in the call, else 200 `true`
        /// (a blacklist call has no leads).
        case rejectLeads(Set<String>)
        /// 200 `false` when any of these leads is in the call, else 200 `true`.
        case falseForLeads(Set<String>)
        /// 400 naming the rejected numbers in `errors` (`phoneNumbers[i]`) when any of them is in a
        /// blacklist call, else 200 `true` (a delete has no numbers).
        case rejectPhoneNumbers(Set<String>)
        /// 200 `false` when any of these numbers is in a blacklist call, else 200 `true`.
        case falseForPhoneNumbers(Set<String>)
        /// The n-th valid call since the behaviour was set is answered by the n-th element; the last
        /// one answers every call after it.
        case script([Behaviour])
        /// With probability `probability` (0...1) as `behaviour`, else as `otherwise`.
        case sometimes(Double, Behaviour, otherwise: Behaviour)
        /// This exact answer, for what the other cases cannot say (a `Retry-After` date, a 307, a
        /// body that breaks the contract).
        case respond(status: Int, headers: [Header], body: [UInt8])
    }

    /// A response header of ``Behaviour/respond(status:headers:body:)``.
    public struct Header: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The content types that the contract allows for a 200 or a 400 answer.
    public enum ResponseContentType: String, Sendable, CaseIterable {
        case textPlain = "text/plain"
        case applicationJSON = "application/json"
        case textJSON = "text/json"
    }
}
