import Baton
import Foundation
import Logging

/// The fetcher of one queue (its `Lane`): claims the queue's tasks into the lane's local
/// queue (`ClaimDecision` says when and how many), marks the cluster as waiting for work when
/// a claim comes up short, and sleeps on the lane's wake signal until news, a due task or the
/// idle check.
struct Fetcher: Sendable {
    let broker: Broker
    let configuration: ClusterConfiguration
    let functions: [String]
    let logger: Logger
    let cluster: Locked<Cluster.State>
    let lane: Lane
    let leases: Leases
    let completer: Completer

    private var state: Locked<Lane.State> { lane.state }
    private var wake: Signal { lane.wake }
    private var local: LocalQueue { lane.local }

    /// Claims work while there is room and the queue may hold some; sleeps on the wake
    /// signal otherwise. It looks without news when a delayed retry is due and every
    /// `idleCheckInterval`, in case a notification was missed.
    func run() async {
        var failures = 0
        var lookAgainAt = ContinuousClock.now
        while !Task.isCancelled && !cluster.withLock({ $0.stopping || !$0.abandoned.isEmpty }) {
            let idleCheck = min(configuration.idleCheckInterval, configuration.heartbeatInterval)
            let (waiting, unwritten, due) = (local.count, completer.backlog, ContinuousClock.now >= lookAgainAt)
            let decision = state.withLock { state in
                ClaimDecision(
                    workers: lane.workers, depth: state.prefetch.depth, running: state.running,
                    waiting: waiting, unwritten: unwritten, queueMayHaveMore: state.queueMayHaveMore, lookIsDue: due)
            }
            if let room = decision.claim {
                do {
                    let news = state.withLock { $0.news }
                    let tasks = try await claim(room)
                    if failures > 0 { logger.info("claiming works again") }
                    failures = 0
                    let filled = tasks.count == room
                    state.withLock { $0.queueMayHaveMore = filled || $0.news != news }
                    local.push(tasks)
                    if filled { continue }
                    // Enqueues by SQL notify only clusters that say they wait (baton.await_work).
                    if listens, try await awaitWork() {
                        state.withLock { $0.queueMayHaveMore = true }
                        continue
                    }
                    lookAgainAt = .now + idleCheck
                    if let retry = try await nextRetry(), retry < lookAgainAt { lookAgainAt = retry }
                } catch where Task.isCancelled {
                    break
                } catch {
                    failures += 1
                    logger.error("claiming failed; retrying", metadata: [
                        "error": "\(error)", "failures": "\(failures)", "queue": "\(lane.queue)",
                    ])
                    lookAgainAt = .now + .milliseconds(min(5000, 50 << min(failures, 7)))
                    _ = await wake.wait(until: lookAgainAt)
                    continue
                }
            }
            // Overdue with no room: the completer or a worker wakes the fetcher when there is.
            _ = await wake.wait(until: lookAgainAt > .now ? lookAgainAt : .now + idleCheck)
        }
    }

    private func claim(_ limit: Int) async throws -> [ClaimedTask] {
        let started = ContinuousClock.now
        let tasks = try await broker.withConnection(answeringWithin: configuration.answerLimit) { connection in
            try await broker.worker.claim(
                functions: functions, queue: lane.queue, limit: limit, owner: configuration.name,
                lease: configuration.lease, on: connection)
        }
        leases.hold(tasks.map(\.id), sent: started)
        let took = ContinuousClock.now - started
        state.withLock { $0.prefetch.claimed(in: took) }
        lane.metrics.claimTime.recordNanoseconds(took.nanoseconds)
        lane.metrics.claimBatch.record(tasks.count)
        return tasks
    }

    /// Whether this cluster hears notifications (it does unless its broker polls).
    private var listens: Bool {
        if case .polling = broker.listening { false } else { true }
    }

    /// Marks this cluster as waiting for work; true when it should claim once more first.
    private func awaitWork() async throws -> Bool {
        try await broker.withConnection(answeringWithin: configuration.answerLimit) { [configuration] in
            try await broker.worker.awaitWork(cluster: configuration.name, on: $0)
        }
    }

    /// When the earliest delayed task (a retry, a task enqueued to run later) of this
    /// cluster's functions in the lane's queue is due, if any: in a
    /// millisecond at the soonest, so that a due task another claimer holds is not asked
    /// for in a tight loop.
    private func nextRetry() async throws -> ContinuousClock.Instant? {
        guard let due = try await broker.withConnection(answeringWithin: configuration.answerLimit, { [functions, lane] in
            try await broker.worker.nextDue(functions: functions, queue: lane.queue, on: $0)
        })
        else { return nil }
        return .now + max(due, .milliseconds(1))
    }
}
