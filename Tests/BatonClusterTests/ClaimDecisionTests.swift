@testable import BatonCluster
import Testing

/// When the fetcher claims and how many, without a database.
@Suite struct ClaimDecisionTests {
    func decision(
        workers: Int = 4, depth: Int = 124, running: Int = 0, waiting: Int = 0, unwritten: Int = 0,
        mayHaveMore: Bool = true, due: Bool = false
    ) -> ClaimDecision {
        ClaimDecision(workers: workers, depth: depth, running: running, waiting: waiting, unwritten: unwritten,
                      queueMayHaveMore: mayHaveMore, lookIsDue: due)
    }

    @Test func anIdleClusterClaimsForItsWorkersAndItsDepth() {
        #expect(decision().claim == 128)
        // A cluster that has just started takes no more than its workers (its depth unmeasured).
        #expect(decision(depth: 0).claim == 4)
    }

    @Test func itClaimsInBatchesWhenTheLocalQueueRunsLow() {
        // 128 of room; 100 waiting and 4 running leave 24: not low yet.
        #expect(decision(running: 4, waiting: 100).claim == nil)
        // Half the capacity free: a batch of 64.
        #expect(decision(running: 4, waiting: 60).claim == 64)
        // Fewer waiting than workers: whatever room there is.
        #expect(decision(depth: 7, running: 4, waiting: 3).claim == 4)
        // Full: nothing.
        #expect(decision(running: 4, waiting: 124).claim == nil)
    }

    @Test func notWhileManyOutcomesWaitToBeWritten() {
        #expect(decision(unwritten: ClaimDecision.unwrittenLimit - 1).claim == 128)
        #expect(decision(unwritten: ClaimDecision.unwrittenLimit).claim == nil)
    }

    @Test func onlyWithNewsOrWhenALookIsDue() {
        #expect(decision(mayHaveMore: false).claim == nil)
        #expect(decision(mayHaveMore: false, due: true).claim == 128)
    }
}
