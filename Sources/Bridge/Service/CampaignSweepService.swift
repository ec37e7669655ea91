import ServiceLifecycle

/// The sweep of the listed campaigns as a service: it resumes the sweep a restart interrupted, sweeps every
/// `sweepIntervalMinutes`, and stops where it is at graceful shutdown, its cursor kept in the journal for the next
/// start.
struct CampaignSweepService: Service, CustomStringConvertible {
    let sweep: CampaignSweep

    var description: String { "campaign sweep" }

    func run() async {
        let sweep = self.sweep
        await cancelWhenGracefulShutdown { await sweep.run() }
    }
}
