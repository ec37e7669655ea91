extension BridgeConfiguration {
    /// Acknowledgement, batching and retries (`delivery`).
    public struct DeliverySettings: Sendable, Equatable {
        /// When a webhook is answered before the leads are deleted.
        public var ackMode: AckMode
        /// How long a request waits for an outcome before `durable` answers 202 (or `sync` answers 503).
        public var syncWaitMilliseconds: Int
        /// Extra wait to gather larger batches per `pearlId`; 0 sends as soon as a call slot is free.
        public var batchWindowMilliseconds: Int
        /// Backoff for retried calls.
        public var retry: RetrySettings

        /// Creates delivery settings with the documented defaults.
        public init(
            ackMode: AckMode = .durable,
            syncWaitMilliseconds: Int = 2000,
            batchWindowMilliseconds: Int = 0,
            retry: RetrySettings = RetrySettings()
        ) {
            self.ackMode = ackMode
            self.syncWaitMilliseconds = syncWaitMilliseconds
            self.batchWindowMilliseconds = batchWindowMilliseconds
            self.retry = retry
        }
    }

    /// When a sender is answered (`delivery.ackMode`).
    public enum AckMode: String, Sendable, Equatable, CaseIterable {
        /// 202 `queued` once journaled, if the outcome is not known in time.
        case durable
        /// Never 202: an unfinished delivery answers 503 with `Retry-After`.
        case sync
    }

    /// Exponential backoff with full jitter (`delivery.retry`).
    public struct RetrySettings: Sendable, Equatable {
        /// The first delay's upper bound, in seconds (> 0).
        public var initialSeconds: Double
        /// The cap of the delay, in seconds (≥ `initialSeconds`).
        public var maxSeconds: Double
        /// Hours after which an opt-out is `failed` (> 0).
        public var giveUpAfterHours: Double

        /// Creates retry settings with the documented defaults.
        public init(initialSeconds: Double = 1, maxSeconds: Double = 600, giveUpAfterHours: Double = 72) {
            self.initialSeconds = initialSeconds
            self.maxSeconds = maxSeconds
            self.giveUpAfterHours = giveUpAfterHours
        }
    }
}
