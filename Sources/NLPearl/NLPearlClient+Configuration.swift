extension NLPearlClient {
    /// Where and how the client reaches NLPearl.
    ///
    /// The description and the reflection of a configuration never show the token, so that a
    /// configuration may be logged or dumped as a whole.
    public struct Configuration: Sendable {
        /// The production API.
        public static let defaultBaseURL = "https://api.nlpearl.ai"

        /// Scheme, host, optional port and optional path prefix, such as `https://api.nlpearl.ai`
        /// or `http://127.0.0.1:8099/nlpearl`; trailing slashes are ignored.
        public var baseURL: String

        /// The API token, `AccountId:SecretKey`, sent as `Authorization: Bearer AccountId:SecretKey`.
        public var token: String

        /// The deadline of one call, from the start of the connection to the last byte of the answer.
        public var timeout: Duration

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - baseURL: Scheme, host, optional port and path prefix; defaults to ``defaultBaseURL``.
        ///   - token: `AccountId:SecretKey`.
        ///   - timeout: The deadline of one call; 10 seconds by default.
        public init(baseURL: String = Self.defaultBaseURL, token: String, timeout: Duration = .seconds(10)) {
            self.baseURL = baseURL
            self.token = token
            self.timeout = timeout
        }
    }
}

extension NLPearlClient.Configuration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// A description that says whether a token is set, never what it is.
    public var description: String {
        let tokenState = token.isEmpty ? "<none>" : "<redacted>"
        return "NLPearlClient.Configuration(baseURL: \(baseURL), token: \(tokenState), timeout: \(timeout))"
    }

    public var debugDescription: String { description }

    /// A mirror without the token, so that `dump` cannot print it either.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: ["baseURL": baseURL, "token": token.isEmpty ? "<none>" : "<redacted>", "timeout": timeout],
            displayStyle: .struct
        )
    }
}
