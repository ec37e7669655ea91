import OptOutCore

extension BridgeConfiguration {
    /// The NLPearl API (`nlpearl`).
    public struct NLPearlSettings: Sendable, Equatable {
        /// The API's base URL, without a trailing `/`; the token is sent to no other host.
        public var baseURL: String = "https://api.nlpearl.ai"
        /// `AccountId:SecretKey`, sent as `Authorization: Bearer …`; `nil` when none is configured.
        public var token: Secret?
        /// Seconds before a call is abandoned (and retried).
        public var timeoutSeconds: Double = 10
        /// Leads per DELETE call at most (1…1000).
        public var maxLeadsPerRequest: Int = 100
        /// DELETE calls in flight at most (≥ 1).
        public var maxConcurrentRequests: Int = 8
    }
}
