import Foundation
import Journal
import Logging
import NLPearl
import OptOutCore

/// Sends journaled leads to NLPearl: natural batching per `pearlId`, bounded concurrency, splitting, retries.
///
/// A `pearlId`'s leads go out as soon as a call slot is free and the campaign has no call in flight, so a lone opt-out
/// waits for nothing. Leads that arrive while it has one gather and leave together, up to `maxLeadsPerRequest`, once
/// the oldest of them has waited two fifths of a typical call (``DeliveryQueues`` explains the order). With a call
/// taking `T`, an opt-out is answered within about 1.4 `T`, and calls carry what arrived in 0.4 `T`. Two fifths, not a
/// half, left the 2,000/s benchmark a margin on both: 25 opt-outs per call, at most 185 ms at `T` = 100 ms. Leads that
/// arrive while all `maxConcurrentRequests` slots are busy wait for the next free one.
///
/// A batch that NLPearl answers 400 or `false` is split in halves until the leads at fault are alone, and one answered
/// 413 until the calls are small enough. Every other failure, documented or not, backs off (``RetryPolicy``) until
/// `giveUpAfter`; a 429 pauses its own `pearlId` for its `Retry-After`, capped at the policy's maximum delay, and
/// 401/403 holds all delivery (the token is the account's) and probes once a minute.
///
/// A search row (`campaigns.searchOnOptOut`) is one call of its own, retried like a delete; the leads it finds join its
/// opt-out as rows of their own, and a request waiting for the search waits for them too, within its deadline.
///
/// An attempt is queued for the journal before a waiting request hears of it, and journaled before one hears of anything
/// but a deletion: an answer never runs ahead of the journal, since the answer of a deleted lead reads nothing back,
/// and the reads that answer requests after it wait for what was queued before (`Journal.readAfterQueuedWrites`).
public actor Dispatcher {
    public struct Configuration: Sendable {
        public var maxLeadsPerRequest: Int
        public var maxConcurrentRequests: Int
        /// Extra time a `pearlId`'s first lead waits for others to join its call.
        public var batchWindow: Duration
        public var retry: RetryPolicy
        /// How long delivery is held after NLPearl rejected the token, before one probing call.
        public var authorizationProbeInterval: Duration

        public init(
            maxLeadsPerRequest: Int = 100, maxConcurrentRequests: Int = 8, batchWindow: Duration = .zero,
            retry: RetryPolicy = RetryPolicy(giveUpAfter: .seconds(72 * 3600)),
            authorizationProbeInterval: Duration = .seconds(60)
        ) {
            self.maxLeadsPerRequest = maxLeadsPerRequest
            self.maxConcurrentRequests = maxConcurrentRequests
            self.batchWindow = batchWindow
            self.retry = retry
            self.authorizationProbeInterval = authorizationProbeInterval
        }
    }

    /// Deletes leads of one campaign; in production ``NLPearlClient/deleteLeads(pearlId:leadIds:)``.
    public typealias DeleteLeads = @Sendable (_ pearlId: String, _ leadIds: [String]) async -> DeleteLeadsOutcome
    /// Adds distinct phone numbers to the account blacklist; in production
    /// ``NLPearlClient/addToBlacklist(phoneNumbers:)``.
    public typealias BlacklistPhones = @Sendable (_ phoneNumbers: [String]) async -> DeleteLeadsOutcome
    /// Finds the leads of one contact key in one campaign; in production ``CampaignSearch/find(_:in:)``.
    public typealias SearchCampaign = @Sendable (_ pearlId: String, _ key: String) async -> CampaignSearch.Result

    private let configuration: Configuration
    private let deleteLeads: DeleteLeads
    private let blacklistPhones: BlacklistPhones
    private let searchCampaign: SearchCampaign
    private let journal: Journal
    private let metrics: BridgeMetrics
    private let logger: Logger
    private let clock = ContinuousClock()

    private var queues = DeliveryQueues()
    private var callsInFlight = 0
    /// A moving average of how long NLPearl takes to answer; two fifths of it is how long new leads of a campaign
    /// with a call in flight wait for others to join them.
    private var typicalCallDuration = Duration.zero
    /// Rows in memory (queued, waiting for a retry, or in a call), so a journal rescan adds no duplicates.
    private var known: Set<Int64> = []
    /// Rows that finished since ``beginRescan()``, while a rescan reads the journal.
    private var finishedDuringRescan: Set<Int64>?
    private var waiters: [Int64: [ResultWaiter]] = [:]
    private var waitersByID: [Int: ResultWaiter] = [:]
    /// Waiters' deadlines; entries of waiters already answered are skipped when they come due.
    private var waiterDeadlines = WaiterDeadlines()
    private var nextWaiterID = 0
    /// All delivery is held until then, the token probe interval after 401/403: the token serves every campaign. A
    /// 429 pauses its own `pearlId` instead (``DeliveryQueues/pause(pearlId:until:)``).
    private var heldUntil: ContinuousClock.Instant?
    /// Set by ``drain(timeout:)``: no call starts any more.
    private var draining = false
    /// Calls started whose outcomes are not journaled yet; ``drain(timeout:)`` waits for none to be left.
    private var callsUnrecorded = 0
    private var drainWaiters: [Int: CheckedContinuation<Bool, Never>] = [:]
    private var drainTimers: [Int: Task<Void, Never>] = [:]
    private var wakeTask: Task<Void, Never>?
    private var wakeAt: ContinuousClock.Instant?
    private var lastAuthorizationLog: ContinuousClock.Instant?
    /// The state of the token as NLPearl last judged it, for `/readyz`.
    public private(set) var tokenRejected = false

    public init(
        configuration: Configuration, journal: Journal, metrics: BridgeMetrics, logger: Logger,
        deleteLeads: @escaping DeleteLeads, blacklistPhones: @escaping BlacklistPhones,
        searchCampaign: @escaping SearchCampaign = Dispatcher.noCampaignSearch
    ) {
        self.configuration = configuration
        self.journal = journal
        self.metrics = metrics
        self.logger = logger
        self.deleteLeads = deleteLeads
        self.blacklistPhones = blacklistPhones
        self.searchCampaign = searchCampaign
    }

    /// The search of a dispatcher without an NLPearl client (dry run): it fails as worth retrying, so that a search
    /// row keeps its place in the journal until a service with a token makes it.
    public static let noCampaignSearch: SearchCampaign = { _, _ in
        .failed(.unexpected(status: 0, detail: "no NLPearl client: the search waits for a service with a token"))
    }

    /// Queues journaled leads for delivery.
    public func submit(_ items: [DeliveryItem]) {
        enqueue(items)
        pump()
    }

    /// Queues journaled leads and waits until each has an outcome or a first retryable failure, or `timeout` passes.
    ///
    /// - Returns: the result of each row that has one; rows missing from it are still on their way.
    public func submitAndWait(_ items: [DeliveryItem], timeout: Duration) async -> [Int64: DeliveryResult] {
        guard !items.isEmpty else { return [:] }
        nextWaiterID += 1
        let id = nextWaiterID
        let waiter = ResultWaiter(id: id, rows: Set(items.map(\.rowID)))
        return await withCheckedContinuation { continuation in
            waiter.continuation = continuation
            waitersByID[id] = waiter
            for row in waiter.remaining {
                waiters[row, default: []].append(waiter)
            }
            enqueue(items)
            pump()
            expireWaiter(id, after: timeout)
        }
    }

    /// Starts recording the rows that finish from now on, for the next ``resume(_:)``: call it before reading the
    /// journal for a rescan.
    public func beginRescan() {
        finishedDuringRescan = []
    }

    /// Adds the journal's pending leads that are not in memory yet: on start, and in the periodic rescan that picks up
    /// `journal retry`.
    ///
    /// A lead that finished after ``beginRescan()`` was still pending in what the rescan read, and is skipped: sending
    /// it again could have NLPearl answer `false` for a lead it already deleted.
    public func resume(_ pending: [Journal.PendingLead]) {
        let finished = finishedDuringRescan ?? []
        finishedDuringRescan = nil
        let now = Date()
        let items = pending.filter { !known.contains($0.leadRowID) && !finished.contains($0.leadRowID) }.map { lead in
            DeliveryItem(
                rowID: lead.leadRowID, optOutID: lead.optOutID, kind: lead.kind, lead: lead.lead,
                attemptCount: lead.attemptCount,
                queuedAt: lead.queuedAt,
                notBefore: lead.nextAttemptAt.flatMap { next in
                    next > now ? clock.now.advanced(by: .seconds(next.timeIntervalSince(now))) : nil
                })
        }
        submit(items)
    }

    /// Leads queued or in flight right now.
    public var backlog: Int { known.count }

    /// Requests waiting for results right now.
    var waitingRequests: Int { waitersByID.count }

    /// Stops starting calls, and waits until those in flight have ended and their outcomes are journaled, or until
    /// `timeout` passes: for a shutdown.
    ///
    /// Without it, a lead whose delete NLPearl performed, but whose outcome the process did not live to journal, stays
    /// `pending` and is sent again after the restart, where NLPearl answers `false` for a lead it no longer has. Work
    /// still queued stays `pending` in the journal and resumes at the next start; waiting requests are answered from
    /// the journal at their sync wait as usual (`queued`).
    ///
    /// - Returns: whether every call in flight finished in time.
    public func drain(timeout: Duration) async -> Bool {
        draining = true
        guard callsUnrecorded > 0 else { return true }
        nextWaiterID += 1
        let id = nextWaiterID
        return await withCheckedContinuation { continuation in
            drainWaiters[id] = continuation
            drainTimers[id] = Task { [weak self] in
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                await self?.endDrain(id, drained: false)
            }
        }
    }

    private func endDrain(_ id: Int, drained: Bool) {
        drainTimers.removeValue(forKey: id)?.cancel()
        drainWaiters.removeValue(forKey: id)?.resume(returning: drained)
    }

    // MARK: - Queueing

    private func enqueue(_ items: [DeliveryItem]) {
        let now = clock.now
        let windowEnd = configuration.batchWindow > .zero ? now.advanced(by: configuration.batchWindow) : nil
        for item in items where known.insert(item.rowID).inserted {
            queues.add(item, now: now, windowEnd: windowEnd)
        }
    }

    /// Starts calls while slots are free and work is due; then sleeps until the next work is due.
    private func pump() {
        guard !draining else { return }
        let now = clock.now
        if let heldUntil, heldUntil > now {
            scheduleWake(at: heldUntil)
            return
        }
        heldUntil = nil
        let linger = typicalCallDuration * 2 / 5
        while callsInFlight < configuration.maxConcurrentRequests,
            let batch = queues.nextBatch(now: now, limit: configuration.maxLeadsPerRequest, linger: linger)
        {
            callsInFlight += 1
            callsUnrecorded += 1
            Task { await self.send(batch) }
        }
        if let next = queues.nextDueTime(after: now, linger: linger) {
            scheduleWake(at: next)
        }
    }

    /// Arms the one wake for `instant`, but never sooner than ``wakePrecision`` from now, so that one wake serves
    /// every linger and deadline that falls due within it.
    ///
    /// A wake is a task sleeping on a dispatch timer, and libdispatch's timer thread and these tasks cost about 7 % of
    /// the process under full load against a fast NLPearl, whose lingers last a few dozen microseconds, when a wake
    /// was armed for each (a build without wakes measured 0.937 side by side, with as many opt-outs per call). Work
    /// due sooner goes out anyway at the next arrival or when the campaign's call in flight ends, which is what
    /// pumps the queues under load; the wake is the backstop for when neither comes, and 5 ms is little next to an
    /// NLPearl call over the internet (a linger of 40 ms for a call of 100 ms).
    private func scheduleWake(at instant: ContinuousClock.Instant) {
        let instant = Self.wakeInstant(for: instant, now: clock.now)
        if let wakeAt, wakeAt <= instant, wakeTask != nil { return }
        wakeTask?.cancel()
        wakeAt = instant
        wakeTask = Task { [weak self, clock] in
            try? await Task.sleep(until: instant, clock: clock)
            guard !Task.isCancelled else { return }
            await self?.woke()
        }
    }

    /// The one timer's wake: waits that passed their deadline end, due work goes out, and the timer is armed for
    /// whichever comes next.
    private func woke() {
        wakeTask = nil
        wakeAt = nil
        expireDueWaiters()
        pump()
    }

    // MARK: - Calls

    private nonisolated func send(_ batch: DeliveryBatch) async {
        let start = ContinuousClock.now
        let outcome: DeleteLeadsOutcome
        switch batch.kind {
        case .delete: outcome = await deleteLeads(batch.pearlId, batch.leadIds)
        case .blacklist: outcome = await blacklistPhones(batch.leadIds)
        case .search:
            switch await searchCampaign(batch.pearlId, batch.items[0].lead.leadId) {
            case .found(let leads):
                return await recordSearch(batch, found: leads)
            case .failed(let failure):
                outcome = failure
            }
        }
        let elapsed = ContinuousClock.now - start
        metrics.recordCall(kind: batch.kind, outcome: outcome, duration: elapsed, leads: batch.leadIds.count)
        // `false` for a lead alone: if another row of the journal deleted it, NLPearl no longer has it, and says so.
        var deletedBy: String?
        if outcome == .notDeleted, batch.leadIds.count == 1, let item = batch.items.first {
            deletedBy = try? await journal.optOutThatDeleted(item.lead)
        }
        let (settlement, committed) = await settleAndQueue(
            batch, outcome: outcome, duration: elapsed, deletedBy: deletedBy)
        await conclude(batch, settlement, committed)
    }

    /// Waits for a settled call's outcomes to be committed, then tells the waiting requests that have not heard yet.
    private nonisolated func conclude(_ batch: DeliveryBatch, _ settlement: Settlement, _ committed: Completion) async {
        do {
            try await committed.wait()
        } catch {
            // The leads stay pending in the journal and are sent again after a restart; NLPearl's delete is
            // idempotent, so the only cost is a repeated call.
            logger.error(
                "journal could not record delivery outcomes",
                metadata: ["error": "\(error)", "leads": "\(batch.leadIds.count)"])
        }
        await finishCall(settlement.results, finished: settlement.finished)
    }

    /// Journals a search that read every page: its row is done and the leads it found join the opt-out.
    private nonisolated func recordSearch(_ batch: DeliveryBatch, found: [Lead]) async {
        let item = batch.items[0]
        let attempt = Journal.Attempt(
            at: Date(), outcome: "searched", httpStatus: 200,
            detail: found.isEmpty ? "no lead matches exactly" : "\(found.count) lead(s) match exactly")
        do {
            let added = try await journal.recordSearch(searchRowID: item.rowID, found: found, attempt: attempt)
            await searched(batch, added: added)
        } catch {
            logger.error(
                "journal could not record a search; it is made again",
                metadata: ["error": "\(error)", "pearl_id": "\(batch.pearlId)"])
            await searched(batch, added: nil)
        }
    }

    /// Frees the search's slot and hands its new leads on: queued, and awaited by whoever awaited the search.
    ///
    /// - Parameter added: the rows the journal added, or nil when it could not record the search, which then goes
    ///   back into the queue after a backoff.
    private func searched(_ batch: DeliveryBatch, added: [LeadRecord]?) {
        callsInFlight -= 1
        queues.callFinished(batch.lane)
        defer { pump() }
        tokenRejected = false
        var item = batch.items[0]
        guard let added else {
            item.attemptCount += 1
            item.notBefore = clock.now.advanced(by: configuration.retry.delay(afterAttempt: item.attemptCount))
            queues.add(item, now: clock.now, windowEnd: nil)
            finishCall([(item.rowID, .retrying)], finished: [])
            return
        }
        let items = added.filter { $0.status == .pending }.map {
            DeliveryItem(rowID: $0.rowID, optOutID: item.optOutID, lead: $0.lead, queuedAt: $0.queuedAt)
        }
        for waiter in waiters[item.rowID] ?? [] {
            for new in items {
                waiter.remaining.insert(new.rowID)
                waiters[new.rowID, default: []].append(waiter)
            }
        }
        enqueue(items)
        finishCall([(item.rowID, .searched)], finished: [item.rowID])
    }

    /// Settles a call (``settle(_:outcome:duration:deletedBy:)``), queues its outcomes for the journal, and tells the
    /// requests waiting for a lead that NLPearl deleted at once, while the outcomes are committed: their answer needs
    /// nothing more from the journal, and a read after it (``Journal/record(id:)``, the suppression list) waits for
    /// what was queued before.
    /// Every other result is told once its outcome is committed (``finishCall(_:finished:)``), since the answer then
    /// reads the journal's details back.
    private func settleAndQueue(
        _ batch: DeliveryBatch, outcome: DeleteLeadsOutcome, duration: Duration, deletedBy: String?
    ) -> (Settlement, Completion) {
        let settlement = settle(batch, outcome: outcome, duration: duration, deletedBy: deletedBy)
        let committed = journal.queueOutcomes(settlement.outcomes)
        tell(settlement.results.filter { $0.1 == .deleted })
        return (settlement, committed)
    }

    /// Decides what the outcome means for each lead of the batch, requeues what goes on, frees the slot.
    ///
    /// - Parameter deletedBy: for `false` on a single lead, the opt-out whose row the journal shows deleted that lead.
    private func settle(_ batch: DeliveryBatch, outcome: DeleteLeadsOutcome, duration: Duration, deletedBy: String?)
        -> Settlement
    {
        callsInFlight -= 1
        queues.callFinished(batch.lane)
        defer { pump() }
        // Only NLPearl's own answers to deletes say how long a delete takes; timeouts, gateway errors and searches
        // would stretch the wait.
        if let status = outcome.httpStatus, status < 500, batch.kind != .search {
            typicalCallDuration =
                typicalCallDuration == .zero ? duration : (typicalCallDuration * 7 + duration) / 8
        }
        let now = Date()
        var settlement = Settlement()
        let attempt = { (label: String, detail: String?) in
            Journal.Attempt(at: now, outcome: label, httpStatus: outcome.httpStatus, detail: detail)
        }

        if case .unauthorized = outcome {
            tokenRejected = true
            heldUntil = clock.now.advanced(by: configuration.authorizationProbeInterval)
            logUnauthorized(outcome)
        } else if outcome.httpStatus != nil {
            tokenRejected = false
        }

        if batch.leadIds.count > 1, outcome.splitsTheBatch {
            // Halves until the leads at fault are alone (400, `false`), or the calls small enough (413); sent at once.
            let halves = batch.split()
            queues.addSplit(halves.0)
            queues.addSplit(halves.1)
            for item in batch.items {
                settlement.outcomes.append(
                    Journal.LeadOutcome(
                        leadRowID: item.rowID, attempt: attempt(outcome.label + "_split", problemText(outcome)),
                        newStatus: .pending, nextAttemptAt: nil, problem: nil))
            }
            return settlement
        }
        switch outcome {
        case .deleted:
            for item in batch.items {
                settlement.finish(item, .deleted, attempt("deleted", nil), status: .deleted)
            }
        case .notDeleted:
            for item in batch.items {
                guard let deletedBy else {
                    settlement.finish(item, .notDeleted, attempt("not_deleted", nil), status: .notDeleted)
                    continue
                }
                // What the append records for a lead deleted before its opt-out came (`Journal.deletedBefore`): here
                // the other row was still pending then, or this row's first outcome was lost.
                let verb = item.kind == .blacklist ? "blacklisted" : "deleted"
                let detail = "NLPearl answered false; \(verb) by \(deletedBy)"
                settlement.finish(item, .deleted, attempt("deleted_previously", detail), status: .deleted)
            }
        case .invalid:
            for item in batch.items {
                settlement.finish(
                    item, .rejected, attempt("rejected", problemText(outcome)), status: .rejected,
                    problem: problemText(outcome))
            }
        case .unauthorized, .rateLimited, .unavailable, .contentTooLarge, .timedOut, .connectionFailed, .unexpected:
            if case .rateLimited(let retryAfter) = outcome, let retryAfter {
                // Capped like every delay: a `Retry-After` of a day must not hold the campaign for one.
                let pause = min(retryAfter, configuration.retry.maximumDelay)
                queues.pause(batch.lane, until: clock.now.advanced(by: pause))
            }
            retryOrGiveUp(batch, outcome: outcome, attempt: attempt(outcome.label, detail(outcome)), into: &settlement)
        }
        return settlement
    }

    /// Backs the batch's leads off for another attempt; only `giveUpAfter` makes one `failed` (SPEC §7).
    private func retryOrGiveUp(
        _ batch: DeliveryBatch, outcome: DeleteLeadsOutcome, attempt: Journal.Attempt, into settlement: inout Settlement
    ) {
        for var item in batch.items {
            item.attemptCount += 1
            let age = Duration.seconds(attempt.at.timeIntervalSince(item.queuedAt))
            guard !configuration.retry.shouldGiveUp(age: age) else {
                settlement.finish(item, .failed, attempt, status: .failed)
                continue
            }
            let delay: Duration
            if case .unauthorized = outcome {
                delay = configuration.authorizationProbeInterval
            } else {
                delay = configuration.retry.delay(afterAttempt: item.attemptCount, retryAfter: outcome.retryAfter)
            }
            item.notBefore = clock.now.advanced(by: delay)
            queues.add(item, now: clock.now, windowEnd: nil)
            settlement.outcomes.append(
                Journal.LeadOutcome(
                    leadRowID: item.rowID, attempt: attempt, newStatus: .pending,
                    nextAttemptAt: attempt.at.addingTimeInterval(delay.seconds), problem: nil))
            settlement.results.append((item.rowID, .retrying))
        }
    }

    /// Tells waiting requests, and forgets rows that are done: only now, after their outcome is in the journal, so
    /// that a journal rescan in between cannot queue a delivered lead again. The call is then over for
    /// ``drain(timeout:)``.
    private func finishCall(_ results: [(Int64, DeliveryResult)], finished: [Int64]) {
        defer {
            callsUnrecorded -= 1
            if callsUnrecorded == 0 {
                for id in drainWaiters.keys { endDrain(id, drained: true) }
            }
        }
        for row in finished {
            known.remove(row)
            finishedDuringRescan?.insert(row)
        }
        tell(results)
    }

    /// Hands results to the requests waiting for their rows; a row's waiters hear of it once.
    private func tell(_ results: [(Int64, DeliveryResult)]) {
        for (row, result) in results {
            guard let rowWaiters = waiters.removeValue(forKey: row) else { continue }
            for waiter in rowWaiters where waiter.record(row, result) {
                waitersByID[waiter.id] = nil
            }
        }
    }

    /// Records a waiter's deadline on the dispatcher's one wake timer (``scheduleWake(at:)``): a timer task per request
    /// cost a task, a timer and an actor hop each, mostly for requests answered long before their deadline. The wake
    /// comes up to ``expirySlack`` late, so that one wake serves every deadline in that window.
    private func expireWaiter(_ id: Int, after timeout: Duration) {
        let now = clock.now
        waiterDeadlines.add(id, timeout: timeout, now: now)
        scheduleWake(at: now.advanced(by: timeout + Self.expirySlack))
    }

    private static let expirySlack = Duration.milliseconds(20)
    /// How late a wake may come (``scheduleWake(at:)``).
    private static let wakePrecision = Duration.milliseconds(5)

    /// When to wake for work or a deadline due at `instant`: then, but no sooner than ``wakePrecision`` from `now`.
    static func wakeInstant(for instant: ContinuousClock.Instant, now: ContinuousClock.Instant)
        -> ContinuousClock.Instant
    {
        max(instant, now.advanced(by: wakePrecision))
    }

    /// Ends the waits whose deadline passed and arms the wake for the next one.
    private func expireDueWaiters() {
        for id in waiterDeadlines.removeDue(now: clock.now) {
            expire(waiterID: id)
        }
        if let next = waiterDeadlines.next {
            scheduleWake(at: next.advanced(by: Self.expirySlack))
        }
    }

    private func expire(waiterID: Int) {
        guard let waiter = waitersByID.removeValue(forKey: waiterID) else { return }
        for row in waiter.remaining {
            waiters[row]?.removeAll { $0 === waiter }
            if waiters[row]?.isEmpty == true { waiters[row] = nil }
        }
        waiter.finish()
    }

    private func logUnauthorized(_ outcome: DeleteLeadsOutcome) {
        let now = clock.now
        if let last = lastAuthorizationLog, now - last < .seconds(60) { return }
        lastAuthorizationLog = now
        logger.error(
            "NLPearl rejected the API token; deliveries are held until it is fixed",
            metadata: [
                "status": "\(outcome.httpStatus ?? 0)",
                "fix": "set NLPEARL_API_TOKEN (or nlpearl.token) to AccountId:SecretKey and restart",
            ])
    }

    private func detail(_ outcome: DeleteLeadsOutcome) -> String? {
        switch outcome {
        case .connectionFailed(let message): message
        case .unexpected(_, let detail, _): detail
        default: nil
        }
    }

    /// NLPearl's problem as the journal keeps it: JSON text that answers embed as it is.
    private func problemText(_ outcome: DeleteLeadsOutcome) -> String? {
        guard case .invalid(let problem) = outcome else { return nil }
        return problem.jsonText
    }
}

extension DeleteLeadsOutcome {
    /// Whether a batch of several leads answered so is halved rather than settled or retried whole: 400 and `false`
    /// to find the leads at fault, 413 to make the calls smaller.
    fileprivate var splitsTheBatch: Bool {
        switch self {
        case .notDeleted, .invalid, .contentTooLarge: true
        default: false
        }
    }
}

/// What one call came to: journal rows to write, then results to tell waiting requests.
private struct Settlement {
    var outcomes: [Journal.LeadOutcome] = []
    var results: [(Int64, DeliveryResult)] = []
    /// Rows with a final outcome.
    var finished: [Int64] = []

    mutating func finish(
        _ item: DeliveryItem, _ result: DeliveryResult, _ attempt: Journal.Attempt, status: LeadStatus,
        problem: String? = nil
    ) {
        outcomes.append(
            Journal.LeadOutcome(
                leadRowID: item.rowID, attempt: attempt, newStatus: status, nextAttemptAt: nil, problem: problem))
        results.append((item.rowID, result))
        finished.append(item.rowID)
    }
}

/// A request waiting for the results of its rows. Lives inside the ``Dispatcher`` actor.
final class ResultWaiter {
    let id: Int
    var remaining: Set<Int64>
    var results: [Int64: DeliveryResult] = [:]
    var continuation: CheckedContinuation<[Int64: DeliveryResult], Never>?

    init(id: Int, rows: Set<Int64>) {
        self.id = id
        remaining = rows
    }

    /// Records one row's result; true when that was the last row awaited.
    func record(_ row: Int64, _ result: DeliveryResult) -> Bool {
        guard remaining.remove(row) != nil else { return false }
        results[row] = result
        guard remaining.isEmpty else { return false }
        finish()
        return true
    }

    func finish() {
        continuation?.resume(returning: results)
        continuation = nil
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
