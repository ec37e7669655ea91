import OptOutCore

extension BridgeConfiguration {
    /// The NLPearl API (`nlpearl`).
    public struct NLPearlSettings: Sendable, Equatable {
        /// The API's base URL, without a trailing `/`; the token is sent to no other host.
        public var baseURL: String
        /// `AccountId:SecretKey`, sent as `Authorization: Bearer …`; `nil` when none is configured.
        public var token: Secret?
        /// Seconds before a call is abandoned (and retried).
        public var timeoutSeconds: Double
        /// Leads per DELETE call at most (1…1000).
        public var maxLeadsPerRequest: Int
        /// DELETE calls in flight at most (≥ 1).
        public var maxConcurrentRequests: Int

        /// Creates NLPearl settings with the documented defaults.
        public init(
            baseURL: String = "https://api.nlpearl.ai",
            token: Secret? = nil,
            timeoutSeconds: Double = 10,
            maxLeadsPerRequest: Int = 100,
            maxConcurrentRequests: Int = 8
        ) {
            self.baseURL = baseURL
            self.token = token
            self.timeoutSeconds = timeoutSeconds
            self.maxLeadsPerRequest = maxLeadsPerRequest
            self.maxConcurrentRequests = maxConcurrentRequests
        }
    }
}
