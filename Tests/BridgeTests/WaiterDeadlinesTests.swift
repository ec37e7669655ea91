import Testing

@testable import Bridge

@Suite struct WaiterDeadlinesTests {
    let start = ContinuousClock.now

    @Test func deadlinesOfEachTimeoutComeDueInOrderAndOnce() {
        var deadlines = WaiterDeadlines()
        #expect(deadlines.next == nil)
        deadlines.add(1, timeout: .seconds(2), now: start)
        deadlines.add(2, timeout: .milliseconds(500), now: start + .milliseconds(10))
        deadlines.add(3, timeout: .seconds(2), now: start + .milliseconds(20))
        deadlines.add(4, timeout: .milliseconds(500), now: start + .milliseconds(30))
        #expect(deadlines.next == start + .milliseconds(510))
        #expect(deadlines.removeDue(now: start + .milliseconds(509)).isEmpty)
        #expect(deadlines.removeDue(now: start + .milliseconds(530)) == [2, 4])
        #expect(deadlines.next == start + .seconds(2))
        #expect(deadlines.removeDue(now: start + .seconds(2)) == [1])
        #expect(deadlines.removeDue(now: start + .seconds(2)).isEmpty)
        #expect(deadlines.next == start + .milliseconds(2020))
        #expect(deadlines.removeDue(now: start + .seconds(60)) == [3])
        #expect(deadlines.next == nil)
    }

    /// A queue that never empties under load drops what it has handed out, and keeps its order.
    @Test func aQueueThatNeverEmptiesKeepsItsOrder() {
        var deadlines = WaiterDeadlines()
        var expired: [Int] = []
        for id in 0..<5000 {
            deadlines.add(id, timeout: .milliseconds(100), now: start + .milliseconds(id))
            expired += deadlines.removeDue(now: start + .milliseconds(id))
        }
        #expect(expired == Array(0..<4900))
        #expect(deadlines.next == start + .milliseconds(5000))
    }
}
