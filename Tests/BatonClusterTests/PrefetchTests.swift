@testable import BatonCluster
import Testing

/// How deep a cluster's local queue is, from how long its tasks and claims take.
@Suite struct PrefetchTests {
    @Test func nothingBeyondTheWorkersUntilMeasured() {
        var prefetch = Prefetch(workers: 4, maximum: 128)
        #expect(prefetch.depth == 0)
        prefetch.ran(for: .microseconds(5))
        #expect(prefetch.depth == 0, "claims not measured yet")
    }

    @Test func shortTasksGetTheMaximumAndLongOnesOne() {
        var short = Prefetch(workers: 4, maximum: 128)
        short.claimed(in: .milliseconds(1))
        short.ran(for: .microseconds(10))
        #expect(short.depth == 128)

        var long = Prefetch(workers: 4, maximum: 128)
        long.claimed(in: .milliseconds(1))
        long.ran(for: .seconds(2))
        #expect(long.depth == 1)

        // 4 workers finish 4 tasks of 1 ms during a 1 ms claim: twice that is 8.
        var even = Prefetch(workers: 4, maximum: 128)
        even.claimed(in: .milliseconds(1))
        even.ran(for: .milliseconds(1))
        #expect(even.depth == 8)
    }

    @Test func theDepthFollowsTasksThatGetLonger() {
        var prefetch = Prefetch(workers: 2, maximum: 64)
        prefetch.claimed(in: .milliseconds(1))
        prefetch.ran(for: .microseconds(10))
        #expect(prefetch.depth == 64)
        for _ in 0..<60 { prefetch.ran(for: .seconds(1)) }
        #expect(prefetch.depth == 1)
    }

    @Test func zeroMeansOnlyFreeWorkers() {
        var prefetch = Prefetch(workers: 4, maximum: 0)
        prefetch.claimed(in: .milliseconds(1))
        prefetch.ran(for: .microseconds(1))
        #expect(prefetch.depth == 0)
    }
}
