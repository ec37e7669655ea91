import OptOutCore

extension BridgeConfiguration {
    /// The mapping file (`mapping`).
    public struct MappingSettings: Sendable, Equatable {
        /// The file, resolved against the configuration file's folder.
        public var file: String = "mapping.json"
        /// Seconds between checks for a changed file; 0 turns polling off (SIGHUP still reloads).
        public var reloadIntervalSeconds: Double = 5
        /// `+` and digits (such as `+1`), for phone numbers written without a country code.
        public var defaultCountryCode: String?
    }

    /// The journal (`journal`).
    public struct JournalSettings: Sendable, Equatable {
        /// The SQLite file, resolved against the configuration file's folder.
        public var file: String = "optout-bridge.sqlite"
        /// Days that finished opt-outs (and so event ids, for duplicate detection) are kept (≥ 1).
        public var retentionDays: Int = 30
    }

    /// `/v1/opt-outs` authentication (`api`).
    public struct APISettings: Sendable, Equatable {
        /// Accepted bearer tokens; with none, the endpoint refuses every request.
        public var tokens: [Secret] = []

        /// Whether `candidate` is one of the tokens (compared in constant time).
        public func accepts(_ candidate: some StringProtocol) -> Bool {
            var accepted = false
            for token in tokens where token.matches(candidate) {
                accepted = true
            }
            return accepted
        }
    }
}
