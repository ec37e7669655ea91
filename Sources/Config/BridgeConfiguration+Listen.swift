extension BridgeConfiguration {
    /// The HTTP listener (`listen`).
    public struct ListenSettings: Sendable, Equatable {
        /// The address to bind; `0.0.0.0` for every IPv4 interface.
        public var host: String = "0.0.0.0"
        /// The TCP port; 0 picks a free one.
        public var port: Int = 8080
        /// Listener threads (≥ 1).
        public var threads: Int = 4
        /// The largest request body accepted; a larger one is answered 413 before it is read.
        public var maxBodyBytes: Int = 1_048_576
        /// Concurrent connections at most (≥ 1), idle ones included: room for many slow clients besides the working
        /// ones, so a thousand idle sockets do not lock out a sender. What they can make the process hold is bounded
        /// by ``maxBufferedBodyBytes``, not by this.
        public var connectionLimit: Int = 4096
        /// Concurrent connections per client address at most; 0 for no limit.
        public var perIPConnectionLimit: Int = 0
        /// Seconds before an idle connection is closed (≥ 1).
        public var idleTimeoutSeconds: Int = 30
        /// Request bodies held at once over every connection, before they are authenticated (≥ `maxBodyBytes`); a
        /// body that would pass it is answered 503 (429 for GoHighLevel) with `Retry-After`, unread when its
        /// `Content-Length` says so.
        public var maxBufferedBodyBytes: Int = 67_108_864
        /// HTTPS; off unless both files are set.
        public var tls: TLSSettings = TLSSettings()
    }

    /// HTTPS for the listener (`listen.tls`).
    public struct TLSSettings: Sendable, Equatable {
        /// The PEM certificate (chain) file, resolved against the configuration file's folder.
        public var certificateFile: String?
        /// The PEM private key file, resolved against the configuration file's folder.
        public var keyFile: String?

        /// Whether HTTPS is configured.
        public var isEnabled: Bool { certificateFile != nil && keyFile != nil }
    }
}
