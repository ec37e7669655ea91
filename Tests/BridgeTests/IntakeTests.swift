import FakeNLPearl
import Foundation
import Logging
import OptOutCore
import Synchronization
import TestSupport
import Testing

@testable import Bridge
@testable import Journal

/// The fsync of the journal, as an Intake test sees it: it waits until NLPearl has been called (or 30 s have passed: see ``waitUntil(timeout:sourceLocation:_:)``),
/// then holds on for `hold`, and then succeeds or fails.
private final class SyncAfterCall: Sendable {
    private struct State {
        var fake: FakeNLPearl?
        var callSeenDuringSync: Bool?
        var syncEnded: ContinuousClock.Instant?
    }
    private let state = Mutex(State())
    private let hold: Duration
    private let fails: Bool

    init(hold: Duration, fails: Bool = false) {
        self.hold = hold
        self.fails = fails
    }

    func watch(_ fake: FakeNLPearl) { state.withLock { $0.fake = fake } }
    /// Whether NLPearl had been called before the first fsync ended.
    var callSeenDuringSync: Bool? { state.withLock { $0.callSeenDuringSync } }
    var syncEnded: ContinuousClock.Instant? { state.withLock { $0.syncEnded } }

    var syncer: WALSyncer {
        WALSyncer { [self] () throws(JournalError) in
            guard state.withLock({ $0.callSeenDuringSync == nil }) else { return }
            let deadline = ContinuousClock.now + atOnce
            var called = false
            while !called, ContinuousClock.now < deadline {
                called = (state.withLock { $0.fake?.callCount } ?? 0) > 0
                usleep(1_000)
            }
            usleep(UInt32(hold / .microseconds(1)))
            state.withLock {
                $0.callSeenDuringSync = called
                $0.syncEnded = .now
            }
            if fails { throw JournalError(code: .unavailable, message: "fsync failed: Input/output error") }
        }
    }
}

@Suite struct IntakeTests {
    private func intake(_ rig: DeliveryRig) -> Intake {
        let logger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
        let mappings = MappingStore(
            file: rig.directory.appendingPathComponent("mapping.json").path, defaultCountryCode: nil, logger: logger,
            metrics: BridgeMetrics())
        return Intake(
            // The answer comes when delivery ends; the wait only bounds it. Long, so that a loaded machine (the
            // whole suite runs in parallel on two cores) cannot turn a delivered lead into a `queued` answer.
            journal: rig.journal, dispatcher: rig.dispatcher, mappings: mappings, dryRun: false,
            syncWait: .seconds(60))
    }

    @Test("NLPearl is called while the append is fsynced, and the answer waits for that fsync")
    func deliveryOverlapsTheFsync() async throws {
        let sync = SyncAfterCall(hold: .milliseconds(300))
        let rig = try DeliveryRig(syncer: sync.syncer)
        sync.watch(rig.fake)
        let lead = Lead(pearlId: "6720c0f8e4b0a1b2c3d4e5f6", leadId: "L1")
        let outcomes = try await intake(rig).submit([OptOutSubmission(source: "api", leads: [lead])])
        let answered = ContinuousClock.now
        #expect(outcomes.first?.record.status == .deleted)
        #expect(sync.callSeenDuringSync == true)
        #expect(try #require(sync.syncEnded) <= answered)
        #expect(rig.fake.deletedLeads == ["6720c0f8e4b0a1b2c3d4e5f6": ["L1"]])
        await rig.stop()
    }

    @Test("When the append's fsync fails, the answer is the journal's error, though NLPearl may have deleted the lead")
    func aFailedFsyncFailsTheAnswer() async throws {
        let sync = SyncAfterCall(hold: .zero, fails: true)
        let rig = try DeliveryRig(syncer: sync.syncer)
        sync.watch(rig.fake)
        let lead = Lead(pearlId: "6720c0f8e4b0a1b2c3d4e5f6", leadId: "L1")
        await #expect {
            _ = try await intake(rig).submit([OptOutSubmission(source: "api", leads: [lead])])
        } throws: { error in
            (error as? JournalError)?.isUnavailable == true
        }
        // Deleting early is harmless. The sender is told to retry, and the journal refuses the retry before any call.
        #expect(rig.fake.deletedLeads == ["6720c0f8e4b0a1b2c3d4e5f6": ["L1"]])
        await #expect(throws: JournalError.self) {
            _ = try await intake(rig).submit([OptOutSubmission(source: "api", leads: [lead])])
        }
        #expect(rig.fake.callCount == 1)
        await rig.stop()
    }
}
