import Foundation
import OptOutCore
import Synchronization
import TestSupport
import Testing

@testable import Bridge
@testable import Journal

/// When a waiting request hears of its leads, against when their outcomes are committed: of a deletion at once, while
/// the outcome is committed, since its answer reads nothing back; of anything else once the outcome is committed, since
/// its answer reads the journal's details. A read through `Journal.record(id:)` after either shows the outcome.
@Suite struct DispatcherOutcomeOrderTests {
    @Test func aDeletionIsToldWhileItsOutcomeIsCommittedAndAReadAfterItShowsIt() async throws {
        let rig = try DeliveryRig()
        let items = try await rig.journalLeads(leads(1))
        let hold = try await WriterHold(rig.journal)
        let results = await rig.dispatcher.submitAndWait(items, timeout: atOnce)
        #expect(results[items[0].rowID] == .deleted)
        // The outcome waits behind the held transaction: a plain read does not see it yet.
        #expect(rig.journal.writer.queuedCount == 1)
        #expect(try await committedStatus(rig.journal, items[0]) == .pending)

        let read = Task { try await rig.journal.record(id: items[0].optOutID)?.leads.first?.status }
        try await hold.release()
        #expect(try await read.value == .deleted)
        await rig.stop()
    }

    @Test func anyOtherResultIsToldOnceItsOutcomeIsCommitted() async throws {
        let rig = try DeliveryRig(behaviour: .answerFalse)
        let items = try await rig.journalLeads(leads(1))
        let hold = try await WriterHold(rig.journal)
        let waiting = Task { await rig.dispatcher.submitAndWait(items, timeout: atOnce) }
        // Queueing the outcome and telling the deletions happen in one turn of the dispatcher.
        try await waitUntil(timeout: atOnce) { rig.journal.writer.queuedCount == 1 }
        #expect(await rig.dispatcher.waitingRequests == 1)

        try await hold.release()
        #expect(await waiting.value[items[0].rowID] == .notDeleted)
        #expect(try await committedStatus(rig.journal, items[0]) == .notDeleted)
        await rig.stop()
    }
}

/// The reads that answer requests wait for the outcomes queued before them, whoever was told of those already.
@Suite struct ReadsAfterQueuedOutcomesTests {
    @Test func theRecordCountsAndSuppressionListShowOutcomesQueuedBeforeTheRead() async throws {
        let rig = try DeliveryRig()
        let phone = "+15550001111"
        let appended = try await rig.journal.append([
            Journal.NewOptOut(
                source: "test", keys: ["phone:\(phone)"], leads: leads(1), blacklist: [phone])
        ])
        let record = appended[0].record
        #expect(record.leads.map(\.kind) == [.delete, .blacklist])
        let hold = try await WriterHold(rig.journal)
        let committed = rig.journal.queueOutcomes(
            record.leads.map {
                Journal.LeadOutcome(leadRowID: $0.rowID, attempt: .plainDeletion(at: Date()), newStatus: .deleted)
            })
        let journal = rig.journal
        let key = "phone:\(phone)"
        let status = Task { try await journal.record(id: record.id)?.status }
        let pending = Task { try await journal.counts().pending }
        let blacklist = Task { try await journal.suppression(key: key)?.blacklist }
        let listed = Task { try await journal.suppressions(keys: [key])[key]?.blacklist }
        let blacklisted = Task { try await journal.suppressionCounts().blacklist[.blacklisted] }
        // Each read waits behind the outcomes: a turn of the writer of its own, queued after them.
        try await waitUntil(timeout: atOnce) { journal.writer.queuedCount == 6 }
        try await hold.release()
        try await committed.wait()
        #expect(try await status.value == .deleted)
        #expect(try await pending.value == 0)
        #expect(try await blacklist.value == .blacklisted)
        #expect(try await listed.value == .blacklisted)
        #expect(try await blacklisted.value == 1)
        await rig.stop()
    }
}

/// The item's lead as committed now: a plain read, which does not wait for the writes queued before it.
private func committedStatus(_ journal: Journal, _ item: DeliveryItem) async throws -> LeadStatus? {
    try await blocking { try journal.record(id: item.optOutID)?.leads.first?.status }
}

/// Holds the journal's writer inside a transaction until released, so that every write queued meanwhile waits behind
/// it.
private final class WriterHold: Sendable {
    private let released = DispatchSemaphore(value: 0)
    private let held: Task<Void, any Error>

    init(_ journal: Journal) async throws {
        let entered = DispatchSemaphore(value: 0)
        let released = released
        held = Task {
            try await journal.writer.write(durable: false) { _ in
                entered.signal()
                released.wait()
            }
        }
        try await blocking { entered.wait() }
    }

    func release() async throws {
        released.signal()
        try await held.value
    }
}
