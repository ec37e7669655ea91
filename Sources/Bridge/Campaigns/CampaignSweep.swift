import Foundation
import Journal
import Logging
import NLPearl
import OptOutCore

/// Pages through the listed campaigns' leads and deletes each lead that matches the suppression list (SPEC §10):
/// leads imported straight into NLPearl (`Leads/Add`, the dashboard, a CSV) never pass the mapping file.
///
/// One page at a time, at most `maxCallsPerSecond` calls: a page's leads are judged (their ``LeadKeys`` looked up in
/// the list, then in the journal), what no row deletes yet is journaled as an opt-out of source `suppression` with
/// origin `sweep` and handed to the dispatcher, and the cursor moves on. Memory holds one page, whatever the size of
/// the campaign. The cursor is journaled after every page, so a sweep interrupted by a restart resumes where it was.
///
/// Paging is by offset, the only way the endpoint offers. A lead deleted behind the cursor moves the later ones one
/// place back, so the sweep waits (up to ``Settings/deleteWait``) for the deletes a page asked for, and steps back
/// by those that were done before it reads the next page. A lead deleted by someone else meanwhile can still make
/// the next page miss one lead; the next sweep reads it.
///
/// A page that fails in a way worth retrying is tried again after a backoff, up to ``Settings/attemptsPerPage``
/// times; then the sweep stops and keeps its cursor for the next run. A campaign NLPearl refuses (400, 404) is
/// passed over with an error in the log, and the sweep, though it ends, does not count as a success.
public actor CampaignSweep {
    public struct Settings: Sendable {
        public var pearlIds: [String]
        public var externalIdNamespace: String?
        public var defaultCountryCode: String?
        /// From the start of one sweep to the start of the next (`sweepIntervalMinutes`).
        public var interval: Duration = .seconds(3600)
        /// Search calls per second at most (`maxCallsPerSecond`).
        public var maxCallsPerSecond: Double = 5
        /// Leads per call.
        public var pageSize: Int = NLPearlClient.searchLimits.upperBound
        /// How long a page waits for the deletes it asked for before the next page is read.
        public var deleteWait: Duration = .seconds(30)
        /// Tries of one page before the sweep stops until its next run.
        public var attemptsPerPage: Int = 5
        public var retry: RetryPolicy = RetryPolicy(maximumDelay: .seconds(60), giveUpAfter: .seconds(3600))
        /// Dry run: what is found is journaled `dry_run` and not sent.
        public var dryRun: Bool = false
    }

    /// What one sweep did, from its start (a resumed sweep counts what it did before the restart too).
    public struct Report: Sendable, Equatable {
        public var calls: Int
        public var scanned: Int
        public var matched: Int
        public var queued: Int
        /// It went on from a cursor left by an earlier run.
        public var resumed: Bool
        /// Every campaign was read to its end.
        public var completed: Bool
        /// Campaigns NLPearl refused, passed over.
        public var refusedCampaigns: [String]
    }

    private let settings: Settings
    private let client: NLPearlClient
    private let journal: Journal
    private let dispatcher: Dispatcher
    private let metrics: BridgeMetrics
    private let logger: Logger
    private let clock = ContinuousClock()
    private var nextCallAt: ContinuousClock.Instant?
    /// Whether a sweep runs; a call to ``sweep()`` meanwhile waits for it to end, so that two never interleave.
    private var running = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    public init(
        settings: Settings, client: NLPearlClient, journal: Journal, dispatcher: Dispatcher, metrics: BridgeMetrics,
        logger: Logger
    ) {
        self.settings = settings
        self.client = client
        self.journal = journal
        self.dispatcher = dispatcher
        self.metrics = metrics
        self.logger = logger
    }

    /// Sweeps now, and then every ``Settings/interval`` from the start of the one before, until cancelled.
    public func run() async {
        while !Task.isCancelled {
            let started = clock.now
            _ = await sweep()
            do {
                try await Task.sleep(until: started.advanced(by: settings.interval), clock: clock)
            } catch {
                return
            }
        }
    }

    /// One sweep to its end, resuming the one a restart interrupted; nil when it stopped early (cancelled, the
    /// journal failing, a page failing too often), with its cursor kept for the next.
    @discardableResult
    public func sweep() async -> Report? {
        guard !settings.pearlIds.isEmpty else { return nil }
        if running {
            await withCheckedContinuation { waiting.append($0) }
        }
        running = true
        defer {
            // Handed over still running, so that no third call starts in between.
            if waiting.isEmpty { running = false } else { waiting.removeFirst().resume() }
        }
        let state: (cursor: Journal.SweepCursor?, lastCompletedAt: Date?)
        do {
            state = try await journal.sweepState()
        } catch {
            logger.error("the sweep cannot read its cursor from the journal", metadata: ["error": "\(error)"])
            return nil
        }
        if let completed = state.lastCompletedAt {
            metrics.recordSweep(running: true, completedAt: completed.timeIntervalSince1970)
        } else {
            metrics.recordSweep(running: true)
        }
        defer { metrics.recordSweep(running: false) }
        // A cursor left on a campaign no longer listed cannot be resumed; the sweep starts over.
        let resumed = state.cursor.flatMap { settings.pearlIds.contains($0.pearlId) ? $0 : nil }
        var cursor = resumed ?? Journal.SweepCursor(startedAt: Date(), pearlId: settings.pearlIds[0])
        var refused: [String] = []
        let first = settings.pearlIds.firstIndex(of: cursor.pearlId) ?? 0
        for pearlId in settings.pearlIds[first...] {
            if pearlId != cursor.pearlId {
                cursor.pearlId = pearlId
                cursor.skip = 0
            }
            switch await read(campaign: &cursor) {
            case .done: continue
            case .refused: refused.append(pearlId)
            case .stopped: return nil
            }
        }
        let now = Date()
        let completed = refused.isEmpty
        do {
            try await journal.endSweep(completedAt: completed ? now : nil)
        } catch {
            logger.error(
                "the sweep cannot journal its end; it resumes at its last page", metadata: ["error": "\(error)"])
            return nil
        }
        let duration = Duration.seconds(now.timeIntervalSince(cursor.startedAt))
        metrics.recordSweep(
            running: false, duration: duration, completedAt: completed ? now.timeIntervalSince1970 : nil)
        let report = Report(
            calls: cursor.calls, scanned: cursor.scanned, matched: cursor.matched, queued: cursor.queued,
            resumed: resumed != nil, completed: completed, refusedCampaigns: refused)
        logger.log(
            level: !completed ? .error : report.queued > 0 ? .notice : .info,
            completed ? "campaign sweep finished" : "campaign sweep finished without the campaigns NLPearl refused",
            metadata: [
                "campaigns": "\(settings.pearlIds.count)", "calls": "\(report.calls)", "scanned": "\(report.scanned)",
                "matched": "\(report.matched)", "queued": "\(report.queued)", "resumed": "\(report.resumed)",
                "seconds": "\(Int(duration.seconds.rounded()))", "refused": "\(refused.joined(separator: ","))",
            ])
        return report
    }

    private enum CampaignEnd {
        case done, refused, stopped
    }

    /// Reads one campaign from the cursor to its end, journaling the cursor after every page.
    private func read(campaign cursor: inout Journal.SweepCursor) async -> CampaignEnd {
        var failures = 0
        while !Task.isCancelled {
            guard await pace() else { return .stopped }
            let started = clock.now
            let outcome = await client.searchLeads(
                campaignId: cursor.pearlId, skip: cursor.skip, limit: settings.pageSize)
            metrics.recordSearchCall(purpose: .sweep, outcome: outcome, duration: clock.now - started)
            cursor.calls += 1
            guard case .page(let page) = outcome else {
                failures += 1
                guard outcome.isRetryable else {
                    logger.error(
                        "NLPearl refused the sweep's search of a campaign; it is passed over",
                        metadata: ["pearl_id": "\(cursor.pearlId)", "outcome": "\(outcome)"])
                    return .refused
                }
                guard failures < settings.attemptsPerPage else {
                    logger.error(
                        "the sweep stops: a page failed \(failures) times; the next sweep resumes it",
                        metadata: ["pearl_id": "\(cursor.pearlId)", "skip": "\(cursor.skip)", "outcome": "\(outcome)"])
                    try? await journal.saveSweepCursor(cursor)
                    return .stopped
                }
                let delay = settings.retry.delay(afterAttempt: failures, retryAfter: outcome.retryAfter)
                do { try await Task.sleep(for: delay) } catch { return .stopped }
                continue
            }
            failures = 0
            if page.leads.isEmpty { return .done }
            do {
                try await judge(page.leads, cursor: &cursor)
            } catch {
                logger.error(
                    "the sweep stops: the journal failed; the next sweep resumes it", metadata: ["error": "\(error)"])
                return .stopped
            }
            if cursor.skip >= page.count { return .done }
        }
        return .stopped
    }

    /// Finds the page's leads whose keys are on the list, journals those that nothing deletes yet with the cursor
    /// past the page, waits for their deletes, and steps the cursor back by those that were done.
    private func judge(_ leads: [NLPearlLead], cursor: inout Journal.SweepCursor) async throws {
        let keyed = leads.map { lead in
            (
                lead: Lead(pearlId: cursor.pearlId, leadId: lead.id),
                keys: LeadKeys(
                    lead, namespace: settings.externalIdNamespace, defaultCountryCode: settings.defaultCountryCode
                ).keys.map(\.description)
            )
        }
        let suppressed = try await journal.suppressed(among: Array(Set(keyed.flatMap(\.keys))))
        // Each lead under the first of its keys on the list.
        var matches: [(lead: Lead, key: Journal.SuppressedKey)] = []
        for entry in keyed {
            if let key = entry.keys.lazy.compactMap({ suppressed[$0] }).first {
                matches.append((entry.lead, key))
            }
        }
        // A read of at most a page of leads in two covering indexes: well under a millisecond, so it runs here.
        let fresh = matches.isEmpty ? [] : Set(try journal.unjournaledLeads(matches.map(\.lead)))
        var byKey: [String: Journal.Enforcement] = [:]
        var order: [String] = []
        for match in matches where fresh.contains(match.lead) {
            if byKey[match.key.key] == nil {
                order.append(match.key.key)
                byKey[match.key.key] = Journal.Enforcement(
                    key: match.key.key, suppressedBy: match.key.latestOptOutID, leads: [])
            }
            byKey[match.key.key]!.leads.append(match.lead)
        }
        cursor.scanned += leads.count
        cursor.matched += matches.count
        cursor.skip += leads.count
        guard !order.isEmpty else {
            metrics.recordSweepPage(scanned: leads.count, matched: matches.count, queued: 0)
            try await journal.saveSweepCursor(cursor)
            return
        }
        // Journaled with the cursor still at this page: a crash before its deletes are done reads it again.
        var atPage = cursor
        atPage.skip -= leads.count
        let records = try await journal.recordSweepPage(
            order.compactMap { byKey[$0] }, cursor: atPage, initialStatus: settings.dryRun ? .dryRun : .pending)
        let items = records.flatMap { record in
            record.leads.filter { $0.status == .pending }.map {
                DeliveryItem(rowID: $0.rowID, optOutID: record.id, lead: $0.lead, queuedAt: $0.queuedAt)
            }
        }
        let queued = records.reduce(0) { $0 + $1.leads.count { $0.kind == .delete } }
        cursor.queued += queued
        metrics.recordSweepPage(scanned: leads.count, matched: matches.count, queued: queued)
        if !items.isEmpty {
            let results = await dispatcher.submitAndWait(items, timeout: settings.deleteWait)
            cursor.skip -= results.values.count { $0 == .deleted || $0 == .notDeleted }
        }
        try await journal.saveSweepCursor(cursor)
    }

    /// Waits for the next call's turn under `maxCallsPerSecond`; false when cancelled.
    private func pace() async -> Bool {
        let now = clock.now
        let spacing = Duration.seconds(1 / settings.maxCallsPerSecond)
        guard let due = nextCallAt, due > now else {
            nextCallAt = now.advanced(by: spacing)
            return !Task.isCancelled
        }
        nextCallAt = due.advanced(by: spacing)
        do {
            try await Task.sleep(until: due, clock: clock)
            return true
        } catch {
            return false
        }
    }
}
