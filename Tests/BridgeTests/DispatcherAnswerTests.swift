import FakeNLPearl
import Foundation
import NLPearl
import OptOutCore
import TestSupport
import Testing

@testable import Bridge
@testable import Journal

/// SPEC §7 for the answers NLPearl's reference does not document, for `Retry-After`, and for the truth of what the
/// journal records: every case through the real client against the fake NLPearl.
@Suite struct DispatcherAnswerTests {
    private static let fastRetries = Dispatcher.Configuration(
        retry: RetryPolicy(initialDelay: .milliseconds(50), giveUpAfter: .seconds(3600)))

    /// A 404, 409, 410, 413 (of one lead), 422, 418 or 204 is no judgement of the leads: it is retried like a 5xx,
    /// and the lead is deleted once NLPearl answers `true`, never `failed` at the first attempt.
    @Test(arguments: [404, 409, 410, 413, 422, 418, 204])
    func anUndocumentedStatusIsRetriedLikeA5xx(_ status: Int) async throws {
        let rig = try DeliveryRig(
            configuration: Self.fastRetries, behaviour: .script([.status(status, retryAfter: nil), .succeed]))
        let items = try await rig.journalLeads(leads(1))
        let first = await rig.dispatcher.submitAndWait(items, timeout: atOnce)
        #expect(first[items[0].rowID] == .retrying)
        try await waitUntil { try await rig.status(of: items[0]) == .deleted }
        let record = try #require(try await rig.journal.record(id: items[0].optOutID))
        #expect(record.leads[0].attempts.map(\.httpStatus) == [status, 200])
        await rig.stop()
    }

    @Test func aSuccessWhoseBodyIsNotABooleanIsRetried() async throws {
        let page = FakeNLPearl.Behaviour.respond(
            status: 200, headers: [FakeNLPearl.Header("Content-Type", "text/html")], body: Array("<html>ok".utf8))
        let rig = try DeliveryRig(configuration: Self.fastRetries, behaviour: .script([page, .succeed]))
        let items = try await rig.journalLeads(leads(1))
        #expect(await rig.dispatcher.submitAndWait(items, timeout: atOnce)[items[0].rowID] == .retrying)
        try await waitUntil { try await rig.status(of: items[0]) == .deleted }
        await rig.stop()
    }

    /// `Retry-After` is honoured on any retried answer, not only on 429 and 5xx.
    @Test(arguments: [404, 413])
    func retryAfterOfAnUndocumentedStatusIsHonoured(_ status: Int) async throws {
        let rig = try DeliveryRig(
            configuration: Self.fastRetries, behaviour: .script([.status(status, retryAfter: 1), .succeed]))
        let items = try await rig.journalLeads(leads(1))
        _ = await rig.dispatcher.submitAndWait(items, timeout: atOnce)
        #expect(await rig.fake.waitForCalls(count: 2, timeout: atOnce))
        let calls = rig.fake.calls
        #expect(calls[1].receivedAt.timeIntervalSince(calls[0].receivedAt) >= 0.95)
        try await waitUntil { try await rig.status(of: items[0]) == .deleted }
        await rig.stop()
    }

    /// 413 says the call was too large, not that its leads are at fault: the batch is halved and each half sent.
    @Test func a413SplitsTheBatch() async throws {
        let rig = try DeliveryRig(
            configuration: .init(maxConcurrentRequests: 1),
            behaviour: .script([.status(413, retryAfter: nil), .succeed]))
        let items = try await rig.journalLeads(leads(4))
        let results = await rig.dispatcher.submitAndWait(items, timeout: atOnce)
        #expect(items.allSatisfy { results[$0.rowID] == .deleted })
        #expect(
            rig.fake.calls.map(\.leadIds) == [
                ["lead-0", "lead-1", "lead-2", "lead-3"], ["lead-0", "lead-1"], ["lead-2", "lead-3"],
            ])
        #expect(try await rig.statuses(of: items).allSatisfy { $0 == .deleted })
        await rig.stop()
    }

    /// A 429 asking for a day holds its own campaign for at most `maxSeconds`, and no other campaign at all.
    @Test func aLongRetryAfterIsCappedAndPausesOnlyItsCampaign() async throws {
        let rig = try DeliveryRig(
            configuration: .init(
                retry: RetryPolicy(
                    initialDelay: .milliseconds(50), maximumDelay: .seconds(1), giveUpAfter: .seconds(3600))),
            behaviour: .script([.rateLimited(retryAfterSeconds: 86_400), .succeed]))
        let limited = try await rig.journalLeads(leads(1, pearl: "6720c0f8e4b0a1b2c3d4e5f6", prefix: "limited"))
        #expect(await rig.dispatcher.submitAndWait(limited, timeout: atOnce)[limited[0].rowID] == .retrying)
        let other = try await rig.journalLeads(leads(1, pearl: "6720c0f8e4b0a1b2c3d4e5f7", prefix: "other"))
        #expect(await rig.dispatcher.submitAndWait(other, timeout: atOnce)[other[0].rowID] == .deleted)
        try await waitUntil { try await rig.status(of: limited[0]) == .deleted }
        await rig.stop()
    }

    /// The blacklist's calls share one queue, under the empty `pearlId`: a 429 on them pauses them alone.
    @Test func a429OnTheBlacklistDoesNotHoldDeletes() async throws {
        let rig = try DeliveryRig(
            configuration: .init(
                retry: RetryPolicy(
                    initialDelay: .milliseconds(50), maximumDelay: .seconds(1), giveUpAfter: .seconds(3600))),
            behaviour: .script([.rateLimited(retryAfterSeconds: 86_400), .succeed]))
        let appended = try await rig.journal.append(
            Journal.NewOptOut(source: "test", keys: ["phone:+15551234567"], leads: [], blacklist: ["+15551234567"]))
        let row = try #require(appended.record.leads.first)
        let phone = DeliveryItem(
            rowID: row.rowID, optOutID: appended.record.id, kind: .blacklist, lead: row.lead, queuedAt: row.queuedAt)
        #expect(await rig.dispatcher.submitAndWait([phone], timeout: atOnce)[phone.rowID] == .retrying)
        let items = try await rig.journalLeads(leads(1))
        #expect(await rig.dispatcher.submitAndWait(items, timeout: atOnce)[items[0].rowID] == .deleted)
        try await waitUntil { try await rig.journal.record(id: phone.optOutID)?.status == .suppressed }
        await rig.stop()
    }

    /// A lead that two opt-outs name may be sent twice, when the second arrived while the first's call was out (or
    /// when an outcome was lost). NLPearl answers `false` for a lead it no longer has; the journal shows which row
    /// deleted it, so the second is recorded deleted, as the append does for a lead deleted before it came.
    @Test func falseForALeadThatAnotherRowDeletedIsRecordedAsDeletedPreviously() async throws {
        let rig = try DeliveryRig(behaviour: .script([.succeed, .answerFalse]))
        let lead = Lead(pearlId: "6720c0f8e4b0a1b2c3d4e5f6", leadId: "lead-shared")
        let first = try await rig.journalLeads([lead])
        let second = try await rig.journalLeads([lead])
        #expect(await rig.dispatcher.submitAndWait(first, timeout: atOnce)[first[0].rowID] == .deleted)
        let results = await rig.dispatcher.submitAndWait(second, timeout: atOnce)
        #expect(results[second[0].rowID] == .deleted)
        let record = try #require(try await rig.journal.record(id: second[0].optOutID))
        #expect(record.status == .deleted)
        let attempt = try #require(record.leads[0].attempts.last)
        #expect(attempt.outcome == "deleted_previously")
        #expect(attempt.httpStatus == 200)
        #expect(attempt.detail?.contains(first[0].optOutID) == true)
        await rig.stop()
    }

    /// A `false` for a lead that no other row deleted stays `not_deleted`: only the journal's record of a deletion
    /// makes it one.
    @Test func falseForALeadNoOtherRowDeletedStaysNotDeleted() async throws {
        let rig = try DeliveryRig(behaviour: .answerFalse)
        let items = try await rig.journalLeads(leads(1))
        #expect(await rig.dispatcher.submitAndWait(items, timeout: atOnce)[items[0].rowID] == .notDeleted)
        #expect(try await rig.status(of: items[0]) == .notDeleted)
        await rig.stop()
    }
}
