import FakeNLPearl
import Foundation
import Logging
import NLPearl
import OptOutCore
import TestSupport
import Testing

@testable import Bridge
@testable import Journal

/// A dispatcher on a real journal file, talking to a real fake NLPearl through the real client.
final class DeliveryRig: Sendable {
    let directory: URL
    let journal: Journal
    let fake: FakeNLPearl
    let dispatcher: Dispatcher
    let client: NLPearlClient

    /// - Parameter syncer: what makes the journal's commits durable; the WAL's own fsync by default.
    init(
        configuration: Dispatcher.Configuration = .init(), behaviour: FakeNLPearl.Behaviour = .succeed,
        syncer: WALSyncer? = nil
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dispatcher-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        journal = try Journal(path: directory.appendingPathComponent("journal.sqlite").path, syncer: syncer)
        fake = FakeNLPearl(token: "acct:secret")
        try fake.start()
        fake.behaviour = behaviour
        let client = NLPearlClient(
            configuration: NLPearlClient.Configuration(
                baseURL: fake.baseURL, token: "acct:secret", timeout: .seconds(30)))
        self.client = client
        let search = CampaignSearch(
            client: client, namespace: "hubspot", defaultCountryCode: "+1", metrics: BridgeMetrics())
        dispatcher = Dispatcher(
            configuration: configuration, journal: journal, metrics: BridgeMetrics(),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() },
            deleteLeads: { await client.deleteLeads(pearlId: $0, leadIds: $1) },
            blacklistPhones: { await client.addToBlacklist(phoneNumbers: $0) },
            searchCampaign: { await search.find($1, in: $0) })
    }

    /// Journals one opt-out per lead and returns the delivery items for them.
    func journalLeads(_ leads: [Lead]) async throws -> [DeliveryItem] {
        let appended = try await journal.append(
            leads.map {
                Journal.NewOptOut(
                    source: "test", idempotencyKey: nil, keys: [], leads: [$0], initialStatus: .pending, reason: nil,
                    requestId: nil, receivedAt: Date())
            })
        return appended.flatMap { result in
            result.record.leads.map {
                DeliveryItem(
                    rowID: $0.rowID, optOutID: result.record.id, lead: $0.lead, queuedAt: $0.queuedAt)
            }
        }
    }

    /// The status of the item's lead as the journal holds it once every write queued before was committed: a waiter
    /// hears of a deletion while its outcome is committed (``Journal/record(id:)``).
    func status(of item: DeliveryItem) async throws -> LeadStatus? {
        try await journal.record(id: item.optOutID)?.leads.first?.status
    }

    func statuses(of items: [DeliveryItem]) async throws -> [LeadStatus?] {
        var statuses: [LeadStatus?] = []
        for item in items { statuses.append(try await status(of: item)) }
        return statuses
    }

    func stop() async {
        await fake.stop()
        try? FileManager.default.removeItem(at: directory)
    }
}

func leads(_ count: Int, pearl: String = "6720c0f8e4b0a1b2c3d4e5f6", prefix: String = "lead") -> [Lead] {
    (0..<count).map { Lead(pearlId: pearl, leadId: "\(prefix)-\($0)") }
}

@Suite struct DispatcherTests {
    @Test func aLoneOptOutIsDeletedAndJournaled() async throws {
        let rig = try DeliveryRig()
        let items = try await rig.journalLeads(leads(1))
        let results = await rig.dispatcher.submitAndWait(items, timeout: atOnce)
        #expect(results[items[0].rowID] == .deleted)
        #expect(try await rig.status(of: items[0]) == .deleted)
        #expect(rig.fake.calls.map(\.leadIds) == [["lead-0"]])
        #expect(rig.fake.violations.isEmpty)
        await rig.stop()
    }

    /// Waiters share one expiry timer: a short wait ends on time while a longer one, made earlier, still gets its
    /// result, and a waiter answered before its deadline is not disturbed when that deadline passes.
    @Test func eachWaiterEndsAtItsOwnDeadline() async throws {
        let rig = try DeliveryRig(behaviour: .delay(.milliseconds(600), then: .succeed))
        let patient = try await rig.journalLeads(leads(1, prefix: "patient"))
        let hasty = try await rig.journalLeads(leads(1, prefix: "hasty"))
        async let patientResults = rig.dispatcher.submitAndWait(patient, timeout: atOnce)
        try await Task.sleep(for: .milliseconds(20))
        // Had the short wait not ended at its deadline, it would hold the result of the call (600 ms).
        let hastyResults = await rig.dispatcher.submitAndWait(hasty, timeout: .milliseconds(100))
        #expect(hastyResults.isEmpty, "the short wait ended before NLPearl answered")
        #expect(await patientResults[patient[0].rowID] == .deleted)
        // The hasty lead is still delivered, only its waiter stopped waiting.
        let deadline = ContinuousClock.now + atOnce
        while try await rig.status(of: hasty[0]) != .deleted, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try await rig.status(of: hasty[0]) == .deleted)
        await rig.stop()
    }

    /// 300 concurrent opt-outs, NLPearl answering in 50 ms, two call slots: at most a fifth as many calls.
    @Test func aBurstIsBatchedIntoFewCalls() async throws {
        let rig = try DeliveryRig(
            configuration: .init(maxLeadsPerRequest: 100, maxConcurrentRequests: 2),
            behaviour: .delay(.milliseconds(50), then: .succeed))
        let items = try await rig.journalLeads(leads(300))
        let results = try await withThrowingTaskGroup(of: [Int64: DeliveryResult].self) { group in
            for item in items {
                group.addTask { await rig.dispatcher.submitAndWait([item], timeout: atOnce) }
            }
            return try await group.reduce(into: [:]) { $0.merge($1) { a, _ in a } }
        }
        #expect(results.count == 300)
        #expect(results.values.allSatisfy { $0 == .deleted })
        #expect(rig.fake.callCount <= 60)
        #expect(rig.fake.deletedLeads.values.reduce(0) { $0 + $1.count } == 300)
        #expect(rig.fake.violations.isEmpty)
        await rig.stop()
    }

    /// With slots to spare, a campaign that has a call in flight still gathers its next leads for part of a typical
    /// call (learnt from the calls so far) instead of spending a call on each.
    @Test func leadsArrivingDuringACallGatherForPartOfACall() async throws {
        let rig = try DeliveryRig(behaviour: .delay(.milliseconds(300), then: .succeed))
        let warmUp = try await rig.journalLeads(leads(1, prefix: "warm-up"))
        _ = await rig.dispatcher.submitAndWait(warmUp, timeout: atOnce)
        let first = try await rig.journalLeads(leads(1, prefix: "first"))
        let later = try await rig.journalLeads(leads(2, prefix: "later"))
        async let firstResults = rig.dispatcher.submitAndWait(first, timeout: atOnce)
        try await Task.sleep(for: .milliseconds(20))
        async let secondResults = rig.dispatcher.submitAndWait([later[0]], timeout: atOnce)
        try await Task.sleep(for: .milliseconds(20))
        let thirdResults = await rig.dispatcher.submitAndWait([later[1]], timeout: atOnce)
        #expect(await firstResults.values.first == .deleted)
        #expect(await secondResults.values.first == .deleted)
        #expect(thirdResults.values.first == .deleted)
        #expect(rig.fake.calls.map(\.leadIds) == [["warm-up-0"], ["first-0"], ["later-0", "later-1"]])
        await rig.stop()
    }

    /// The dispatcher's wake comes when the work or deadline it is for is due, but never sooner than 5 ms ahead, so
    /// that one wake serves every linger due within that window.
    @Test func aWakeIsArmedForItsDueTimeButNoSoonerThanFiveMillisecondsAhead() {
        let now = ContinuousClock.now
        #expect(Dispatcher.wakeInstant(for: now + .milliseconds(40), now: now) == now + .milliseconds(40))
        #expect(Dispatcher.wakeInstant(for: now + .microseconds(60), now: now) == now + .milliseconds(5))
        #expect(Dispatcher.wakeInstant(for: now - .seconds(1), now: now) == now + .milliseconds(5))
    }

    @Test func aBatchWithOneBadLeadStillDeletesTheOthers() async throws {
        let rig = try DeliveryRig(
            configuration: .init(maxConcurrentRequests: 1), behaviour: .rejectLeads(["lead-5"]))
        let items = try await rig.journalLeads(leads(8))
        let results = await rig.dispatcher.submitAndWait(items, timeout: atOnce)
        #expect(results.count == 8)
        for item in items {
            let expected: DeliveryResult = item.lead.leadId == "lead-5" ? .rejected : .deleted
            #expect(results[item.rowID] == expected)
            #expect(try await rig.status(of: item) == (expected == .rejected ? .rejected : .deleted))
        }
        let record = try #require(try await rig.journal.record(id: items[5].optOutID))
        #expect(record.leads[0].problem?.contains("lead-5") == true)
        #expect(rig.fake.deletedLeads.values.reduce(0) { $0 + $1.count } == 7)
        await rig.stop()
    }

    @Test func falseIsSplitDownToTheLeadAtFault() async throws {
        let rig = try DeliveryRig(behaviour: .falseForLeads(["lead-2"]))
        let items = try await rig.journalLeads(leads(4))
        let results = await rig.dispatcher.submitAndWait(items, timeout: atOnce)
        #expect(results[items[2].rowID] == .notDeleted)
        #expect([0, 1, 3].allSatisfy { results[items[$0].rowID] == .deleted })
        await rig.stop()
    }

    @Test func aTransientFailureIsRetriedUntilDelivered() async throws {
        let rig = try DeliveryRig(
            configuration: .init(retry: RetryPolicy(initialDelay: .milliseconds(50), giveUpAfter: .seconds(3600))),
            behaviour: .script([.status(503, retryAfter: nil), .status(502, retryAfter: nil), .succeed]))
        let items = try await rig.journalLeads(leads(1))
        let first = await rig.dispatcher.submitAndWait(items, timeout: atOnce)
        #expect(first[items[0].rowID] == .retrying)
        #expect(try await rig.status(of: items[0]) == .pending)
        #expect(await rig.fake.waitForCalls(count: 3, timeout: atOnce))
        try await waitUntil { try await rig.status(of: items[0]) == .deleted }
        let record = try #require(try await rig.journal.record(id: items[0].optOutID))
        #expect(record.leads[0].attempts.map(\.httpStatus) == [503, 502, 200])
        await rig.stop()
    }

    @Test func retryAfterOfA429IsHonoured() async throws {
        let rig = try DeliveryRig(
            configuration: .init(retry: RetryPolicy(initialDelay: .milliseconds(10), giveUpAfter: .seconds(3600))),
            behaviour: .script([.rateLimited(retryAfterSeconds: 1), .succeed]))
        let items = try await rig.journalLeads(leads(1))
        _ = await rig.dispatcher.submitAndWait(items, timeout: atOnce)
        #expect(await rig.fake.waitForCalls(count: 2, timeout: atOnce))
        let calls = rig.fake.calls
        #expect(calls[1].receivedAt.timeIntervalSince(calls[0].receivedAt) >= 0.95)
        try await waitUntil { try await rig.status(of: items[0]) == .deleted }
        await rig.stop()
    }

    @Test func givesUpAfterTheConfiguredAge() async throws {
        let rig = try DeliveryRig(
            configuration: .init(retry: RetryPolicy(initialDelay: .milliseconds(10), giveUpAfter: .zero)),
            behaviour: .status(500, retryAfter: nil))
        let items = try await rig.journalLeads(leads(1))
        let results = await rig.dispatcher.submitAndWait(items, timeout: atOnce)
        #expect(results[items[0].rowID] == .failed)
        #expect(try await rig.status(of: items[0]) == .failed)
        #expect(try await rig.journal.counts().failed == 1)
        await rig.stop()
    }

    @Test func aRejectedTokenHoldsDeliveryAndIsReported() async throws {
        // NLPearl rejects the token until the test has seen it reported, then accepts it (the token fixed): on a busy
        // machine the probe 300 ms later could otherwise succeed before the report was read.
        let rig = try DeliveryRig(
            configuration: .init(authorizationProbeInterval: .milliseconds(300)),
            behaviour: .status(401, retryAfter: nil))
        let items = try await rig.journalLeads(leads(1))
        let results = await rig.dispatcher.submitAndWait(items, timeout: atOnce)
        #expect(results[items[0].rowID] == .retrying)
        #expect(await rig.dispatcher.tokenRejected)
        #expect(try await rig.status(of: items[0]) == .pending)
        rig.fake.behaviour = .succeed
        try await waitUntil { try await rig.status(of: items[0]) == .deleted }
        #expect(await !rig.dispatcher.tokenRejected)
        await rig.stop()
    }

    @Test func resumesPendingWorkFromTheJournal() async throws {
        let rig = try DeliveryRig()
        let items = try await rig.journalLeads(leads(3))
        await rig.dispatcher.resume(try rig.journal.pendingLeads())
        try await waitUntil { try await rig.statuses(of: items).allSatisfy { $0 == .deleted } }
        // A second rescan adds nothing that is already done or in memory.
        await rig.dispatcher.resume(try rig.journal.pendingLeads())
        #expect(rig.fake.deletedLeads.values.reduce(0) { $0 + $1.count } == 3)
        await rig.stop()
    }

    /// The periodic rescan reads the journal, then hands what is pending to the dispatcher. A lead delivered in
    /// between was still pending when read, and is no longer in memory when handed over: it must not go out again,
    /// where NLPearl could answer `false` for a lead it already deleted and the journal would end up saying so.
    @Test func aRescanDoesNotResendWhatWasDeliveredWhileItRead() async throws {
        let rig = try DeliveryRig()
        let items = try await rig.journalLeads(leads(1))
        await rig.dispatcher.beginRescan()
        let pending = try await rig.journal.pendingLeads()
        #expect(pending.map(\.leadRowID) == items.map(\.rowID))
        #expect(await rig.dispatcher.submitAndWait(items, timeout: atOnce)[items[0].rowID] == .deleted)
        await rig.dispatcher.resume(pending)
        try await Task.sleep(for: .milliseconds(300))
        #expect(rig.fake.callCount == 1)
        #expect(try await rig.status(of: items[0]) == .deleted)
        await rig.stop()
    }
}

/// Polls `condition` every 20 ms for up to `timeout`; fails the test if it never holds.
///
/// The bound is ``atOnce`` and the wait ends as soon as what it waits for happens: at the start of a full run,
/// hundreds of tests share the two threads of Swift's cooperative pool, which blocking setup (new journals' fsyncs,
/// child processes) can hold for seconds, and for more than 30 s on one core of a slow machine.
func waitUntil(
    timeout: Duration = atOnce, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("condition not met within \(timeout)", sourceLocation: sourceLocation)
}
