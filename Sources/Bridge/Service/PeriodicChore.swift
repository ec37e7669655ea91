import ServiceLifecycle

/// A chore done every `period` until graceful shutdown: the journal rescan and prune, the mapping watcher.
///
/// A graceful shutdown cancels the chore wherever it is, asleep or at work: each is safe to interrupt, and the next
/// start does it again.
struct PeriodicChore: Service, CustomStringConvertible {
    let description: String
    private let period: Duration
    private let immediately: Bool
    private let work: @Sendable () async -> Void

    /// - Parameter immediately: whether to do the chore once at start too, rather than first after one period.
    init(
        _ name: String, every period: Duration, immediately: Bool = false,
        _ work: @escaping @Sendable () async -> Void
    ) {
        description = name
        self.period = period
        self.immediately = immediately
        self.work = work
    }

    func run() async {
        let (period, immediately, work) = (self.period, self.immediately, self.work)
        // The sleep throws once the shutdown cancels it, which ends the loop.
        try? await cancelWhenGracefulShutdown {
            if immediately { await work() }
            while true {
                try await Task.sleep(for: period)
                await work()
            }
        }
    }
}
