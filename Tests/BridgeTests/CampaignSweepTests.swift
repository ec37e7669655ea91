import FakeNLPearl
import Foundation
import Logging
import OptOutCore
import Testing

@testable import Bridge
@testable import Journal

/// The search rows and the sweep on a real journal and the fake NLPearl, restarts included.
@Suite struct CampaignSweepTests {
    private static let pearl = "6720c0f8e4b0a1b2c3d4e5f6"

    private func sweep(_ rig: DeliveryRig, maxCallsPerSecond: Double = 500) -> CampaignSweep {
        CampaignSweep(
            settings: CampaignSweep.Settings(
                pearlIds: [Self.pearl], externalIdNamespace: "hubspot", defaultCountryCode: "+1",
                maxCallsPerSecond: maxCallsPerSecond),
            client: rig.client, journal: rig.journal, dispatcher: rig.dispatcher, metrics: BridgeMetrics(),
            logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    }

    @Test func aJournaledSearchIsMadeAfterARestartAndItsLeadsDeleted() async throws {
        let rig = try DeliveryRig()
        let ids = try rig.fake.addLeads([.init(phoneNumber: "+15551110000")], to: Self.pearl)
        // What a process that died before its search left in the journal.
        let record = try await rig.journal.append(
            Journal.NewOptOut(
                source: "api", keys: ["phone:+15551110000"], leads: [],
                searches: [Lead(pearlId: Self.pearl, leadId: "phone:+15551110000")])
        ).record
        #expect(record.status == .queued)
        await rig.dispatcher.resume(try rig.journal.pendingLeads())
        try await waitUntil { try await rig.journal.record(id: record.id)?.status == .deleted }
        let leads = try #require(try await rig.journal.record(id: record.id)).leads
        #expect(leads.map(\.kind) == [.search, .delete])
        #expect(leads[1].leadId == ids[0])
        #expect(leads[1].origin == .search)
        #expect(leads[0].attempts.map(\.outcome) == ["searched"])
        #expect(rig.fake.leadCount(in: Self.pearl) == 0)

        // Recording the same search again changes nothing.
        let again = try await rig.journal.recordSearch(
            searchRowID: leads[0].rowID, found: [Lead(pearlId: Self.pearl, leadId: ids[0])],
            attempt: Journal.Attempt(at: Date(), outcome: "searched"))
        #expect(again.isEmpty)
        await rig.stop()
    }

    @Test func aSweepInterruptedByARestartResumesAtItsCursorWithinTheCallRate() async throws {
        let rig = try DeliveryRig()
        _ = try rig.fake.addLeads(
            (0..<1000).map { .init(phoneNumber: "+1555200\(String(format: "%04d", $0))") }, to: Self.pearl)
        let first = sweep(rig, maxCallsPerSecond: 10)
        let task = Task { await first.sweep() }
        // Cancelled once the second page is asked for: the first page's cursor is journaled by then.
        try await waitUntil { rig.fake.calls.count { $0.endpoint == .searchLeads } >= 2 }
        task.cancel()
        #expect(await task.value == nil)
        let cursor = try #require(try await rig.journal.sweepState().cursor)
        #expect(cursor.skip > 0 && cursor.skip < 1000)
        #expect(cursor.scanned == cursor.skip)

        let callsBefore = rig.fake.calls.count
        let report = try #require(await sweep(rig, maxCallsPerSecond: 10).sweep())
        #expect(report.resumed && report.completed)
        #expect(report.scanned == 1000)
        let resumedCalls = rig.fake.calls.dropFirst(callsBefore).filter { $0.endpoint == .searchLeads }
        #expect(resumedCalls.first?.search?.skip == cursor.skip)
        // At most 10 calls a second: the sweep starts its calls at least a tenth of a second apart. The fake sees
        // each call one latency after its start, and the first call after the restart also opens a connection (the
        // cancelled call closed the old one), so the arrivals are allowed one interval less: an unpaced sweep would
        // send all of them within a few milliseconds.
        #expect(resumedCalls.count >= 5)
        let span = try #require(resumedCalls.last).receivedAt.timeIntervalSince(
            try #require(resumedCalls.first).receivedAt)
        #expect(span >= Double(resumedCalls.count - 2) * 0.1)
        let state = try await rig.journal.sweepState()
        #expect(state.cursor == nil)
        #expect(state.lastCompletedAt != nil)
        await rig.stop()
    }
}
