import struct Foundation.Date

extension FakeNLPearl {
    /// One request that the fake answered, valid or not.
    public struct Call: Sendable, Hashable {
        /// The method as sent.
        public var method: String
        /// The request target as sent, percent-encoding and query included.
        public var uri: String
        /// The decoded pearlId, when the path was the endpoint's.
        public var pearlId: String?
        /// The body's leadIds, when the request kept the contract (empty for `"leadIds": null`).
        public var leadIds: [String]?
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
        /// `DELETE /v2/Outbound/P/Leads leadIds=[L1, L2] → 200 true`.
        public var logLine: String {
            var line = "\(method) \(uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? uri)"
            if let leadIds {
                let shown = leadIds.prefix(10).joined(separator: ", ")
                let more = leadIds.count > 10 ? ", …(+\(leadIds.count - 10))" : ""
                line += " leadIds=[\(shown)\(more)]"
            }
            line += " → \(status)"
            if let violation {
                line += " contract violation: \(violation)"
            } else if !answer.isEmpty {
                line += " \(answer)"
            }
            return line
        }
    }
}
