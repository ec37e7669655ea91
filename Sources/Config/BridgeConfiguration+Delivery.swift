extension BridgeConfiguration {
    /// Acknowledgement, batching and retries (`delivery`).
    public struct DeliverySettings: Sendable, Equatable {
        /// When a webhook is answered before the leads are deleted.
        public var ackMode: AckMode = .durable
        /// How long a request waits for an outcome before `durable` answers 202 (or `sync` answers 503).
        public var syncWaitMilliseconds: Int = 2000
        /// Extra wait to gather larger batches per `pearlId`; 0 sends as soon as a call slot is free.
        public var batchWindowMilliseconds: Int = 0
        /// Backoff for retried calls.
        public var retry: RetrySettings = RetrySettings()
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
        public var initialSeconds: Double = 1
        /// The cap of the delay, in seconds (≥ `initialSeconds`).
        public var maxSeconds: Double = 600
        /// Hours after which an opt-out is `failed` (> 0).
        public var giveUpAfterHours: Double = 72
    }
}
