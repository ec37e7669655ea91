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

/// The item's lead as committed now: a plain read, which does not wait for the writes queued before it.
private func committedStatus(_ journal: Journal, _ item: DeliveryItem) async throws -> LeadStatus? {
    try await blocking { try journal.record(id: item.optOutID)?.leads.first?.status }
}
