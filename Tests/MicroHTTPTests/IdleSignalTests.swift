import Foundation
import Synchronization
import Testing

@testable import MicroHTTP

/// The shutdown's waits: woken by the count reaching zero, or ended by their deadline, never by polling.
@Suite struct IdleSignalTests {
    @Test func aWaiterWakesWhenTheCountReachesZero() async {
        let signal = IdleSignal()
        let count = Atomic<Int>(1)
        let waiter = Task {
            await signal.wait(until: .now.advanced(by: .seconds(60))) {
                count.load(ordering: .sequentiallyConsistent) == 0
            }
        }
        try? await Task.sleep(for: .milliseconds(50))
        let start = ContinuousClock.now
        count.store(0, ordering: .sequentiallyConsistent)
        signal.reachedZero()
        await waiter.value
        // Well before the deadline: at the start of a full run the pool can be busy for seconds.
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test func aWaitEndsAtItsDeadlineWhenTheCountStaysAboveZero() async {
        let signal = IdleSignal()
        let start = ContinuousClock.now
        await signal.wait(until: .now.advanced(by: .milliseconds(100))) { false }
        #expect(ContinuousClock.now - start >= .milliseconds(100))
    }

    @Test func aBlockingWaitWakesFromAnotherThread() {
        let signal = IdleSignal()
        let count = Atomic<Int>(1)
        // A thread of its own: the cooperative pool may have no thread free while this one blocks.
        Thread {
            Thread.sleep(forTimeInterval: 0.05)
            count.store(0, ordering: .sequentiallyConsistent)
            signal.reachedZero()
        }.start()
        let start = ContinuousClock.now
        signal.waitBlocking(until: .now.advanced(by: .seconds(60))) {
            count.load(ordering: .sequentiallyConsistent) == 0
        }
        #expect(count.load(ordering: .sequentiallyConsistent) == 0)
        #expect(ContinuousClock.now - start < .seconds(30))
    }
}
