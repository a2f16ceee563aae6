import Baton

/// One queue a cluster serves: its workers, the tasks claimed for them and not started yet,
/// and what its fetcher knows. Each queue has a lane of its own, so a busy queue cannot take
/// the workers of another.
final class Lane: Sendable {
    struct State {
        var running = 0
        /// Whether the last claim filled up: the queue may hold more, so a worker taking a
        /// task wakes the fetcher.
        var queueMayHaveMore = true
        /// Counts the news that work was queued (notifications, failures queued again), so
        /// that news arriving while a claim runs is not overwritten by its result.
        var news = 0
        var prefetch: Prefetch
    }

    let queue: String
    let workers: Int
    let state: Locked<State>
    /// Wakes the lane's fetcher.
    let wake = Signal()
    let local = LocalQueue()
    let metrics: LaneMetrics

    init(queue: String, workers: Int, prefetch: Int) {
        (self.queue, self.workers) = (queue, workers)
        metrics = LaneMetrics(queue: queue)
        state = Locked(State(prefetch: Prefetch(workers: workers, maximum: prefetch)))
    }

    /// Records the lane's gauges: its workers, the tasks running and those claimed, not started.
    func sample() {
        metrics.slots.record(workers)
        metrics.inProgress.record(state.withLock { $0.running })
        metrics.localDepth.record(local.count)
    }

    /// News that work may be queued: the fetcher looks again.
    func hearNews() {
        state.withLock { state in
            state.queueMayHaveMore = true
            state.news += 1
        }
        wake.fire()
    }
}
