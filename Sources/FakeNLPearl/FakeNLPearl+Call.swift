import struct Foundation.Date

extension FakeNLPearl {
    /// One request that the fake answered, valid or not.
    public struct Call: Sendable, Hashable {
        /// The method as sent.
        public var method: String
        /// The request target as sent, percent-encoding and query included.
        public var uri: String
        /// The endpoint whose path the request named, valid or not; nil for a path of no endpoint.
        public var endpoint: Endpoint? = nil
        /// The decoded campaign id, when the path named one (every endpoint but the blacklist).
        public var pearlId: String?
        /// The leads that a call keeping the contract named or answered: a delete's `leadIds` (empty for
        /// `"leadIds": null`), Get Lead's `leadId`, the ids that Add Lead and Add Leads generated, the ids of a
        /// Search Leads page.
        public var leadIds: [String]?
        /// The numbers that a call keeping the contract carried: a blacklist call's `phoneNumbers`, the phone
        /// numbers of the leads that Add Lead and Add Leads sent.
        public var phoneNumbers: [String]? = nil
        /// The search, when the request was a Search Leads call that kept the contract.
        public var search: LeadSearch? = nil
        /// Every request header, in order.
        public var headers: [Header]
        /// The request body.
        public var body: [UInt8]
        /// When the request arrived.
        public var receivedAt: Date
        /// The status the fake answered.
        public var status: Int
        /// A short form of the answer: `true`, `false`, a problem's detail, or empty.
        public var answer: String
        /// The headers of the answer, such as its `Content-Type`.
        public var answerHeaders: [Header]
        /// The contract violation, if the request broke the contract.
        public var violation: String?

        /// The first value of a request header, by case-insensitive name.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        /// One line for a person watching the fake, such as
        /// `DELETE /v2/Outbound/P/Leads leadIds=[L1, L2] → 200 true` or
        /// `POST /v2/Account/Blacklist phoneNumbers=[+15551234567] → 200 true`.
        public var logLine: String {
            var line = "\(method) \(uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri)"
            if let leadIds { line += " leadIds=" + Self.shortList(leadIds) }
            if let phoneNumbers { line += " phoneNumbers=" + Self.shortList(phoneNumbers) }
            line += " → \(status)"
            if let violation {
                line += " contract violation: \(violation)"
            } else if !answer.isEmpty {
                line += " \(answer)"
            }
            return line
        }

        /// `[a, b, …(+n)]`: the first ten items, and how many more.
        private static func shortList(_ items: [String]) -> String {
            let shown = items.prefix(10).joined(separator: ", ")
            let more = items.count > 10 ? ", …(+\(items.count - 10))" : ""
            return "[\(shown)\(more)]"
        }
    }
}
