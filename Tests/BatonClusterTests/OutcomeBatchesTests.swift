@testable import BatonCluster
import Testing

/// How the completer groups outcomes into batches, without a database.
@Suite struct OutcomeBatchesTests {
    @Test func anIdleClustersOutcomeStartsAWriterAtOnce() {
        var batches = OutcomeBatches<Int>(maxBatch: 3, writers: 2)
        let started = batches.submit(1)
        let batch = batches.nextBatch()
        let afterIt = batches.nextBatch()
        #expect(started && batch == [1])
        #expect(afterIt == nil, "nothing waits: the writer stops")
        #expect(batches.writing == 0)
        let startedAgain = batches.submit(2)
        #expect(startedAgain, "the next outcome starts a writer again")
    }

    @Test func whileTheWritersAreBusyOutcomesWaitAndGoTogether() {
        var batches = OutcomeBatches<Int>(maxBatch: 3, writers: 2)
        let starts = [batches.submit(1), batches.submit(2)]
        let first = batches.nextBatch()
        #expect(starts == [true, true])
        #expect(first == [1, 2], "the first writer takes what waits")
        // Both writers busy: what arrives waits.
        let more = (3...9).map { batches.submit($0) }
        #expect(more.allSatisfy { !$0 })
        let next = (0..<5).map { _ in batches.nextBatch() }
        #expect(next == [[3, 4, 5], [6, 7, 8], [9], nil, nil], "at most maxBatch each; both writers stop")
        #expect(batches.writing == 0)
        #expect(batches.pending.isEmpty)
    }
}
