/// When to try a failed delivery again: exponential backoff with full jitter, bounded, honouring `Retry-After`.
///
/// Full jitter (a uniform delay between zero and the exponential cap) spreads the retries of a burst that failed
/// together, so a recovering NLPearl is not hit by all of them at once.
public struct RetryPolicy: Sendable {
    public var initialDelay: Duration
    public var maximumDelay: Duration
    /// Past this age an opt-out that still fails is given up as `failed`.
    public var giveUpAfter: Duration

    public init(initialDelay: Duration = .seconds(1), maximumDelay: Duration = .seconds(600), giveUpAfter: Duration) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.giveUpAfter = giveUpAfter
    }

    /// The delay before attempt `attempt + 1`, after `attempt` failed ones (1 = the first failed).
    ///
    /// - Parameters:
    ///   - attempt: how many attempts have failed so far, at least 1.
    ///   - retryAfter: the server's `Retry-After`, a floor for the delay.
    ///   - unit: a random number in `0..<1`; injectable so tests can pin it.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration? = nil, unit: Double = .random(in: 0..<1))
        -> Duration
    {
        let exponent = min(max(attempt - 1, 0), 30)
        let cap = min(maximumDelay, initialDelay * (1 << exponent))
        let jittered = max(cap * unit, .milliseconds(50))
        guard let retryAfter else { return jittered }
        return max(jittered, min(retryAfter, maximumDelay))
    }

    /// Whether an opt-out received `age` ago is past the point of giving up.
    public func shouldGiveUp(age: Duration) -> Bool {
        age >= giveUpAfter
    }
}
