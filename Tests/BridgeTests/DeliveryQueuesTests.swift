import Foundation
import OptOutCore
import Testing

@testable import Bridge

private func item(_ row: Int64, pearl: String = "p1", lead: String? = nil, notBefore: ContinuousClock.Instant? = nil)
    -> DeliveryItem
{
    DeliveryItem(
        rowID: row, optOutID: "op_\(row)", lead: Lead(pearlId: pearl, leadId: lead ?? "lead-\(row)"),
        queuedAt: Date(), notBefore: notBefore)
}

@Suite struct DeliveryQueuesTests {
    let now = ContinuousClock.now

    @Test func aLoneLeadGoesOutAtOnce() {
        var queues = DeliveryQueues()
        queues.add(item(1), now: now, windowEnd: nil)
        let batch = queues.nextBatch(now: now, limit: 100)
        #expect(batch?.leadIds == ["lead-1"])
        #expect(queues.nextBatch(now: now, limit: 100) == nil)
        #expect(!queues.isEmpty)  // its call is still in flight
        queues.callFinished(DeliveryLane(kind: .delete, pearlId: "p1"))
        #expect(queues.isEmpty)
    }

    /// A 429's pause holds its own `pearlId` until it ends, even across a queue that empties, and no other.
    @Test func aPausedCampaignWaitsWhileOthersGo() {
        var queues = DeliveryQueues()
        let until = now.advanced(by: .seconds(5))
        queues.pause(DeliveryLane(kind: .delete, pearlId: "limited"), until: until)
        queues.add(item(1, pearl: "limited"), now: now, windowEnd: nil)
        queues.add(item(2, pearl: "other"), now: now, windowEnd: nil)
        #expect(queues.nextBatch(now: now, limit: 100)?.pearlId == "other")
        #expect(queues.nextBatch(now: now, limit: 100) == nil)
        #expect(queues.nextDueTime(after: now) == until)
        #expect(queues.nextBatch(now: until, limit: 100)?.leadIds == ["lead-1"])
    }

    @Test func aBurstIsCutIntoBatchesOfTheLimit() {
        var queues = DeliveryQueues()
        for row in 1...250 {
            queues.add(item(Int64(row)), now: now, windowEnd: nil)
        }
        var sizes: [Int] = []
        while let batch = queues.nextBatch(now: now, limit: 100) {
            sizes.append(batch.leadIds.count)
        }
        #expect(sizes == [100, 100, 50])
    }

    @Test func theSameLeadTwiceIsSentOnceAndCountsOnce() {
        var queues = DeliveryQueues()
        queues.add(item(1, lead: "a"), now: now, windowEnd: nil)
        queues.add(item(2, lead: "a"), now: now, windowEnd: nil)
        queues.add(item(3, lead: "b"), now: now, windowEnd: nil)
        queues.add(item(4, lead: "c"), now: now, windowEnd: nil)
        let batch = queues.nextBatch(now: now, limit: 2)
        #expect(batch?.leadIds == ["a", "b"])
        #expect(batch?.items.map(\.rowID) == [1, 2, 3])
    }

    @Test func campaignsTakeTurns() {
        var queues = DeliveryQueues()
        for row in 1...4 {
            queues.add(item(Int64(row), pearl: "busy"), now: now, windowEnd: nil)
        }
        queues.add(item(9, pearl: "quiet"), now: now, windowEnd: nil)
        let first = queues.nextBatch(now: now, limit: 2)
        let second = queues.nextBatch(now: now, limit: 2)
        #expect(first?.pearlId == "busy")
        #expect(second?.pearlId == "quiet")
    }

    @Test func aCampaignWithACallInFlightGathersNewLeadsForTheLinger() {
        var queues = DeliveryQueues()
        let linger = Duration.milliseconds(50)
        queues.add(item(1), now: now, windowEnd: nil)
        #expect(queues.nextBatch(now: now, limit: 100, linger: linger)?.leadIds == ["lead-1"])
        let soon = now.advanced(by: .milliseconds(10))
        queues.add(item(2), now: soon, windowEnd: nil)
        queues.add(item(3), now: soon.advanced(by: .milliseconds(20)), windowEnd: nil)
        #expect(queues.nextBatch(now: soon, limit: 100, linger: linger) == nil)
        #expect(queues.nextDueTime(after: soon, linger: linger) == soon.advanced(by: linger))
        let due = soon.advanced(by: linger)
        #expect(queues.nextBatch(now: due, limit: 100, linger: linger)?.leadIds == ["lead-2", "lead-3"])
    }

    @Test func aFullBatchOrAnIdleCampaignDoesNotLinger() {
        var queues = DeliveryQueues()
        let linger = Duration.seconds(1)
        queues.add(item(1), now: now, windowEnd: nil)
        _ = queues.nextBatch(now: now, limit: 2, linger: linger)
        queues.add(item(2), now: now, windowEnd: nil)
        #expect(queues.nextBatch(now: now, limit: 2, linger: linger) == nil)
        queues.add(item(3), now: now, windowEnd: nil)
        #expect(queues.nextBatch(now: now, limit: 2, linger: linger)?.leadIds == ["lead-2", "lead-3"])
        queues.callFinished(DeliveryLane(kind: .delete, pearlId: "p1"))
        queues.callFinished(DeliveryLane(kind: .delete, pearlId: "p1"))
        queues.add(item(4), now: now, windowEnd: nil)
        #expect(queues.nextBatch(now: now, limit: 2, linger: linger)?.leadIds == ["lead-4"])
    }

    @Test func theCampaignWithFewerCallsInFlightGoesFirstThenTheOldestLead() {
        var queues = DeliveryQueues()
        queues.add(item(1, pearl: "a"), now: now, windowEnd: nil)
        queues.add(item(2, pearl: "b"), now: now, windowEnd: nil)
        queues.add(item(3, pearl: "c"), now: now, windowEnd: nil)
        #expect(queues.nextBatch(now: now, limit: 100)?.pearlId == "a")
        queues.add(item(4, pearl: "a"), now: now, windowEnd: nil)
        // "a" has a call in flight: "b" and "c" come first, in the order their leads came.
        #expect(queues.nextBatch(now: now, limit: 100)?.pearlId == "b")
        queues.callFinished(DeliveryLane(kind: .delete, pearlId: "b"))
        queues.add(item(5, pearl: "b"), now: now, windowEnd: nil)
        #expect(queues.nextBatch(now: now, limit: 100)?.leadIds == ["lead-3"])
        #expect(queues.nextBatch(now: now, limit: 100)?.leadIds == ["lead-5"])
        // Now each has one call in flight, and "a"'s lead 4 is older than "b"'s later ones.
        queues.add(item(6, pearl: "b"), now: now, windowEnd: nil)
        #expect(queues.nextBatch(now: now, limit: 100)?.leadIds == ["lead-4"])
        #expect(queues.nextBatch(now: now, limit: 100)?.leadIds == ["lead-6"])
    }

    @Test func leadsInBackoffWaitForTheirTime() {
        var queues = DeliveryQueues()
        let later = now.advanced(by: .seconds(5))
        queues.add(item(1, notBefore: later), now: now, windowEnd: nil)
        #expect(queues.nextBatch(now: now, limit: 100) == nil)
        #expect(queues.nextDueTime(after: now) == later)
        #expect(queues.nextBatch(now: later, limit: 100)?.leadIds == ["lead-1"])
    }

    @Test func theBatchWindowHoldsTheFirstLeadForOthers() {
        var queues = DeliveryQueues()
        let windowEnd = now.advanced(by: .milliseconds(50))
        queues.add(item(1), now: now, windowEnd: windowEnd)
        queues.add(item(2), now: now, windowEnd: now.advanced(by: .milliseconds(60)))
        #expect(queues.nextBatch(now: now, limit: 100) == nil)
        #expect(queues.nextDueTime(after: now) == windowEnd)
        #expect(queues.nextBatch(now: windowEnd, limit: 100)?.leadIds == ["lead-1", "lead-2"])
    }

    @Test func halvesOfARefusedBatchGoFirstAndAsTheyAre() {
        var queues = DeliveryQueues()
        queues.add(item(1), now: now, windowEnd: nil)
        let refused = DeliveryBatch(
            lane: DeliveryLane(kind: .delete, pearlId: "p1"), items: (2...5).map { item(Int64($0)) })
        let (left, right) = refused.split()
        #expect(left.leadIds == ["lead-2", "lead-3"])
        #expect(right.leadIds == ["lead-4", "lead-5"])
        queues.addSplit(left)
        queues.addSplit(right)
        #expect(queues.nextBatch(now: now, limit: 100)?.leadIds == ["lead-2", "lead-3"])
        #expect(queues.nextBatch(now: now, limit: 100)?.leadIds == ["lead-4", "lead-5"])
        #expect(queues.nextBatch(now: now, limit: 100)?.leadIds == ["lead-1"])
    }
}

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy(initialDelay: .seconds(1), maximumDelay: .seconds(60), giveUpAfter: .seconds(3600))

    @Test(arguments: [(1, 1), (2, 2), (3, 4), (4, 8), (7, 60), (40, 60)])
    func theCapDoublesUpToTheMaximum(attempt: Int, capSeconds: Int) {
        #expect(policy.delay(afterAttempt: attempt, unit: 0.999_999) <= .seconds(capSeconds))
        #expect(policy.delay(afterAttempt: attempt, unit: 0.999_999) > .seconds(capSeconds) * 0.99)
    }

    @Test func jitterSpreadsDelaysDownToAFloor() {
        #expect(policy.delay(afterAttempt: 5, unit: 0) == .milliseconds(50))
        #expect(policy.delay(afterAttempt: 5, unit: 0.5) == .seconds(8))
    }

    @Test func retryAfterIsAFloorButNeverPastTheMaximum() {
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(30), unit: 0.1) == .seconds(30))
        #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(3000), unit: 0.1) == .seconds(60))
    }

    @Test func givesUpPastTheAge() {
        #expect(!policy.shouldGiveUp(age: .seconds(3599)))
        #expect(policy.shouldGiveUp(age: .seconds(3600)))
    }
}
