import NLPearl
import OptOutCore
import Prometheus
import Synchronization

/// The service's Prometheus metrics (SPEC §8), named in Prometheus conventions under `optout_bridge_`.
public final class BridgeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let nlpearlLatency: DurationHistogram
    private let leadsPerCall: ValueHistogram
    private let pendingLeads: Gauge
    private let failedLeads: Gauge
    private let mappingContacts: Gauge
    private let mappingReloadSuccess: Gauge
    private let mappingReloadTimestamp: Gauge
    private let tokenRejected: Gauge
    private let phonesPerCall: ValueHistogram
    private let suppressedKeys: Gauge
    private let enforcementDuration: Gauge
    /// Made at start, so that the dashboard finds them before the first enforcement ends.
    private let enforcedLeads: Counter
    private let enforcedPhones: Counter
    private let searchLatency: DurationHistogram
    private let sweepLeads: [SweepCount: Counter]
    private let sweepCalls: Counter
    private let sweepDuration: Gauge
    private let sweepLastSuccess: Gauge
    private let sweepRunning: Gauge
    private let journalTransactions: Counter
    private let journalSyncs: Counter
    /// The journal's own counts at the last ``setJournalWrites(transactions:fsyncs:)``: the counters grow by the
    /// difference.
    private let journalWritesReported = Mutex((transactions: 0, fsyncs: 0))
    /// One gauge per blacklist state, made at start: the states are a fixed set.
    private let blacklistPhones: [String: Gauge]
    /// Labelled counters already made, by name and label values: the registry validates and sorts on every
    /// `makeCounter`, which is more than an increment on every request should cost.
    private let counters = Mutex<[[String]: Counter]>([:])

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let make = Maker(registry: registry)
        let callBuckets: [Duration] = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        let perCallBuckets: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000]
        nlpearlLatency = make.histogram(
            "nlpearl_call_duration_seconds", "Duration of NLPearl DELETE /v2/Outbound/{pearlId}/Leads calls.",
            callBuckets)
        leadsPerCall = make.histogram(
            "nlpearl_leads_per_call", "Distinct leads sent in one NLPearl call.", perCallBuckets)
        pendingLeads = make.gauge("journal_pending_leads", "Leads journaled and not yet delivered.")
        failedLeads = make.gauge("journal_failed_leads", "Leads given up after giveUpAfterHours.")
        journalTransactions = make.counter(
            "journal_transactions_total",
            "Write transactions the journal committed; each carries all the opt-outs and outcomes queued while the one "
                + "before it ran.")
        journalSyncs = make.counter(
            "journal_fsyncs_total",
            "fsyncs of the journal's WAL; each makes every transaction committed before it began durable.")
        mappingContacts = make.gauge("mapping_contacts", "Contacts in the mapping in service.")
        mappingReloadSuccess = make.gauge(
            "mapping_last_reload_success",
            "1 if the last mapping load succeeded, 0 if the last good mapping is kept after a failure.")
        mappingReloadTimestamp = make.gauge(
            "mapping_last_reload_timestamp_seconds", "Unix time of the last mapping load that succeeded.")
        tokenRejected = make.gauge("nlpearl_token_rejected", "1 while NLPearl answers 401/403 to the token.")
        phonesPerCall = make.histogram(
            "nlpearl_phones_per_blacklist_call", "Distinct phone numbers sent in one NLPearl blacklist call.",
            perCallBuckets)
        suppressedKeys = make.gauge("suppressed_keys", "Keys on the suppression list (never pruned).")
        enforcementDuration = make.gauge(
            "suppression_last_enforcement_seconds",
            "How long the last enforcement of the suppression list on a loaded mapping took.")
        blacklistPhones = Dictionary(
            uniqueKeysWithValues: Self.blacklistStates.map { state in
                (
                    state,
                    make.gauge(
                        "blacklist_phones", "Suppressed phone numbers by NLPearl blacklist state.",
                        labels: [("state", state)])
                )
            })
        enforcedLeads = make.counter(
            "suppression_enforced_leads_total",
            "Leads of suppressed contacts found in a loaded mapping and journaled for deletion.")
        enforcedPhones = make.counter(
            "suppression_enforced_phones_total",
            "Suppressed phone numbers journaled for the NLPearl blacklist by enforcement.")
        searchLatency = make.histogram(
            "nlpearl_search_call_duration_seconds",
            "Duration of NLPearl POST /v1/Outbound/{id}/Leads (Search Leads) calls.", callBuckets)
        sweepLeads = Dictionary(
            uniqueKeysWithValues: SweepCount.allCases.map { count in
                (
                    count,
                    make.counter(
                        "sweep_leads_total",
                        "Leads the sweep read (scanned), found on the suppression list (matched) and journaled for "
                            + "deletion because nothing had deleted them yet (queued).",
                        labels: [("count", count.rawValue)])
                )
            })
        sweepCalls = make.counter(
            "sweep_calls_total", "Search Leads calls the sweep made, at most campaigns.maxCallsPerSecond.")
        sweepDuration = make.gauge(
            "sweep_last_duration_seconds",
            "How long the last sweep that ended took, over every run that made it (resumed ones too).")
        sweepLastSuccess = make.gauge(
            "sweep_last_success_timestamp_seconds",
            "Unix time at which the last sweep read every listed campaign to its end; 0 before one has.")
        sweepRunning = make.gauge("sweep_running", "1 while a sweep of the campaigns runs.")
    }

    /// Makes the metrics of ``init(registry:)``, each named `optout_bridge_` and its name.
    private struct Maker {
        let registry: PrometheusCollectorRegistry

        private func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
            MetricNameDescriptor(metricName: "optout_bridge_" + name, unitName: "", helpText: help)
        }

        func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
            registry.makeGauge(descriptor: descriptor(name, help), labels: labels)
        }

        func counter(_ name: String, _ help: String, labels: [(String, String)] = []) -> Counter {
            registry.makeCounter(descriptor: descriptor(name, help), labels: labels)
        }

        func histogram(_ name: String, _ help: String, _ buckets: [Duration]) -> DurationHistogram {
            registry.makeDurationHistogram(descriptor: descriptor(name, help), buckets: buckets)
        }

        func histogram(_ name: String, _ help: String, _ buckets: [Double]) -> ValueHistogram {
            registry.makeValueHistogram(descriptor: descriptor(name, help), buckets: buckets)
        }
    }

    /// One answered HTTP request, by route (the sender's name for webhooks) and status code.
    public func recordRequest(route: String, status: Int) {
        counter(
            "optout_bridge_http_requests_total", help: "HTTP requests answered, by route and status.",
            labels: [("route", route), ("status", String(status))]
        ).increment()
    }

    /// One opt-out's outcome as answered, by source (sender name or `api`).
    public func recordOptOut(source: String, status: String, duplicate: Bool) {
        counter(
            "optout_bridge_optouts_total", help: "Opt-outs answered, by source and translated status.",
            labels: [("source", source), ("status", status), ("duplicate", duplicate ? "true" : "false")]
        ).increment()
    }

    /// One NLPearl call: a delete (`optout_bridge_nlpearl_calls_total`, its latency and leads per call) or a
    /// blacklist addition (`optout_bridge_nlpearl_blacklist_calls_total` and phones per call).
    public func recordCall(kind: ActionKind = .delete, outcome: DeleteLeadsOutcome, duration: Duration, leads: Int) {
        switch kind {
        case .delete:
            counter(
                "optout_bridge_nlpearl_calls_total", help: "NLPearl delete calls, by result.",
                labels: [("result", outcome.label)]
            ).increment()
            nlpearlLatency.record(duration)
            leadsPerCall.record(Double(leads))
        case .blacklist:
            counter(
                "optout_bridge_nlpearl_blacklist_calls_total",
                help: "NLPearl POST /v2/Account/Blacklist calls, by result.", labels: [("result", outcome.label)]
            ).increment()
            phonesPerCall.record(Double(leads))
        case .search:
            return  // a search may take several calls: each is counted by recordSearchCall
        }
        tokenRejected.set(to: Self.isUnauthorized(outcome) ? 1 : 0)
    }

    /// The suppression list's size, and its phone numbers by blacklist state (SPEC §9).
    public func setSuppressionCounts(keys: Int, blacklist: [String: Int]) {
        suppressedKeys.set(to: Double(keys))
        for (state, gauge) in blacklistPhones {
            gauge.set(to: Double(blacklist[state] ?? 0))
        }
    }

    /// The blacklist states that ``setSuppressionCounts(keys:blacklist:)`` always reports, zero or not.
    public static let blacklistStates = ["pending", "blacklisted", "not_blacklisted", "rejected", "failed", "dry_run"]

    /// Leads found for suppressed keys when a mapping was loaded, journaled for deletion (origin `suppression`).
    public func recordEnforcement(leads: Int, phones: Int, duration: Duration) {
        enforcedLeads.increment(by: Int64(leads))
        enforcedPhones.increment(by: Int64(phones))
        enforcementDuration.set(to: duration.seconds)
    }

    /// What a Search Leads call was for.
    public enum SearchPurpose: String, Sendable {
        /// Finding an opt-out's leads (`campaigns.searchOnOptOut`).
        case optOut = "opt_out"
        /// Reading a campaign's leads in the sweep.
        case sweep
    }

    /// The sweep's lead counts (``recordSweepPage(scanned:matched:queued:)``).
    enum SweepCount: String, CaseIterable {
        case scanned, matched, queued
    }

    /// One Search Leads call (`optout_bridge_nlpearl_search_calls_total` by purpose and result, and its latency).
    public func recordSearchCall(purpose: SearchPurpose, outcome: SearchLeadsOutcome, duration: Duration) {
        counter(
            "optout_bridge_nlpearl_search_calls_total",
            help: "NLPearl Search Leads calls, by purpose (opt_out, sweep) and result.",
            labels: [("purpose", purpose.rawValue), ("result", outcome.failure?.label ?? "page")]
        ).increment()
        searchLatency.record(duration)
        if purpose == .sweep { sweepCalls.increment() }
        if let failure = outcome.failure, outcome.httpStatus != nil {
            tokenRejected.set(to: Self.isUnauthorized(failure) ? 1 : 0)
        } else if outcome.httpStatus == 200 {
            tokenRejected.set(to: 0)
        }
    }

    /// One page of the sweep read and judged.
    public func recordSweepPage(scanned: Int, matched: Int, queued: Int) {
        sweepLeads[.scanned]!.increment(by: Int64(scanned))
        sweepLeads[.matched]!.increment(by: Int64(matched))
        sweepLeads[.queued]!.increment(by: Int64(queued))
    }

    /// A sweep began (`running`) or ended; `duration` and `completedAt` for one that read every campaign.
    public func recordSweep(running: Bool, duration: Duration? = nil, completedAt: Double? = nil) {
        sweepRunning.set(to: running ? 1 : 0)
        if let duration { sweepDuration.set(to: duration.seconds) }
        if let completedAt { sweepLastSuccess.set(to: completedAt) }
    }

    public func recordSignatureFailure(sender: String) {
        counter(
            "optout_bridge_signature_failures_total",
            help: "Webhooks refused for a bad or missing signature, token or timestamp.", labels: [("sender", sender)]
        ).increment()
    }

    /// One event of a webhook that could not be used (malformed, or naming no usable contact), by sender.
    public func recordInvalidEvent(sender: String) {
        counter(
            "optout_bridge_invalid_events_total",
            help: "Webhook events refused as malformed or naming no usable contact, by sender.",
            labels: [("sender", sender)]
        ).increment()
    }

    public func setJournalCounts(pending: Int, failed: Int) {
        pendingLeads.set(to: Double(pending))
        failedLeads.set(to: Double(failed))
    }

    /// Brings the journal's counters up to the writer's counts since the journal was opened: opt-outs per transaction
    /// and per fsync say how much the group commit shares, which the CPU per opt-out follows.
    public func setJournalWrites(transactions: Int, fsyncs: Int) {
        let added = journalWritesReported.withLock { reported in
            defer { reported = (transactions, fsyncs) }
            return (
                transactions: max(0, transactions - reported.transactions), fsyncs: max(0, fsyncs - reported.fsyncs)
            )
        }
        journalTransactions.increment(by: Int64(added.transactions))
        journalSyncs.increment(by: Int64(added.fsyncs))
    }

    public func recordMappingLoad(contacts: Int?, at time: Double) {
        if let contacts {
            mappingContacts.set(to: Double(contacts))
            mappingReloadSuccess.set(to: 1)
            mappingReloadTimestamp.set(to: time)
        } else {
            mappingReloadSuccess.set(to: 0)
        }
    }

    /// The text exposition format, version 0.0.4.
    public func render() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// The registry's counter of this name and labels, made on first use.
    private func counter(_ name: String, help: String, labels: [(String, String)]) -> Counter {
        let key = [name] + labels.map(\.1)
        if let counter = counters.withLock({ $0[key] }) { return counter }
        let counter = registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
        counters.withLock { $0[key] = counter }
        return counter
    }

    private static func isUnauthorized(_ outcome: DeleteLeadsOutcome) -> Bool {
        if case .unauthorized = outcome { return true }
        return false
    }
}
