extension HTTPServer {
    /// How the server listens and what it accepts; every limit has a safe default.
    public struct Configuration: Sendable {
        /// PEM-encoded certificate chain and private key for HTTPS.
        public struct TLS: Sendable {
            public var certificatePEM: String
            public var keyPEM: String

            public init(certificatePEM: String, keyPEM: String) {
                self.certificatePEM = certificatePEM
                self.keyPEM = keyPEM
            }
        }

        /// A numeric IPv4 or IPv6 address, or `localhost`.
        public var host: String
        /// 0 picks an ephemeral port; read ``HTTPServer/port`` after ``HTTPServer/start()``.
        public var port: Int
        /// libmicrohttpd worker threads, each with its own epoll loop.
        public var threads: Int
        /// Larger bodies are answered 413: by `Content-Length` before reading, or as soon as a chunked body passes it.
        public var maxBodyBytes: Int
        /// Connections open at once, idle ones included. The default leaves room for a thousand slow or idle
        /// clients besides the working ones (their bodies are bounded by ``maxBufferedBodyBytes``, not by this);
        /// ``HTTPServer/start()`` raises the open-file soft limit to fit.
        public var connectionLimit: Int
        /// 0 means no limit per client address.
        public var perIPConnectionLimit: Int
        /// Connections idle this long (including keep-alive ones) are closed.
        public var idleTimeoutSeconds: Int
        /// The handler's deadline: past it the client gets 503, since a suspended connection never times out.
        public var requestTimeout: Duration
        /// Request bodies held in memory at once, over every connection, before anything is authenticated: a body
        /// that would pass it is refused (``Refusal/Reason/busy``, 503 with `Retry-After` by default), before it is
        /// read when `Content-Length` says so. Bounds what slow or hostile clients can make the process hold, since
        /// every connection may otherwise buffer ``maxBodyBytes``.
        public var maxBufferedBodyBytes: Int
        public var tls: TLS?

        public init(
            host: String = "127.0.0.1", port: Int = 0, threads: Int = 2, maxBodyBytes: Int = 1 << 20,
            connectionLimit: Int = 4096, perIPConnectionLimit: Int = 0, idleTimeoutSeconds: Int = 30,
            requestTimeout: Duration = .seconds(30), maxBufferedBodyBytes: Int = 64 << 20, tls: TLS? = nil
        ) {
            self.host = host
            self.port = port
            self.threads = threads
            self.maxBodyBytes = maxBodyBytes
            self.connectionLimit = connectionLimit
            self.perIPConnectionLimit = perIPConnectionLimit
            self.idleTimeoutSeconds = idleTimeoutSeconds
            self.requestTimeout = requestTimeout
            self.maxBufferedBodyBytes = maxBufferedBodyBytes
            self.tls = tls
        }
    }
}
