import Foundation
import OptOutCore
import TestSupport
import Testing

@testable import Bridge
@testable import Journal

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
