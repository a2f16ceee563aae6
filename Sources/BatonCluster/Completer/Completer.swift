import Baton
import Foundation
import Logging
import Synchronization

/// Records the outcomes of a cluster's tasks in batches: while `writers` batches are being
/// written (`baton.complete_tasks`, one transaction each, its events sent after it), the
/// outcomes that arrive wait and go together in the next. An idle cluster writes each
/// outcome at once; a busy one writes up to `maxBatch` per transaction.
final class Completer: Sendable {
    typealias Outcome = (task: ClaimedTask, outcome: TaskOutcome)

    private struct State {
        var batches = OutcomeBatches<Outcome>(maxBatch: Completer.maxBatch, writers: Completer.writers)
        /// The running writers, for `drain()`.
        var writers: [Int: Task<Void, Never>] = [:]
        var nextWriter = 0
    }

    /// Outcomes per transaction at most: their events fit in one NOTIFY payload.
    static let maxBatch = 80
    /// Batches written at once: a second lets outcomes that arrive during a long batch go
    /// without waiting for it (2 took 200 chains of 10 from 4,400 to 11,000 links/s; 4 writers of 40 gave 8,500).
    static let writers = 2

    private let broker: Broker
    private let owner: String
    private let lease: Duration
    /// How long each write may wait for its answer before it is sent again on another connection.
    private let answerLimit: Duration
    private let logger: Logger
    /// The leases the heartbeat renews: an outcome leaves them once written or given up.
    private let leases: Leases
    private let metrics: ClusterMetrics
    /// The functions whose next chain links this cluster takes at once; none while stopping.
    private let functions: @Sendable () -> [String]
    /// The queues whose next chain links it takes at once.
    private let queues: [String]
    /// Called after each batch with what it did, how many it recorded, and whether any
    /// outcome was a failure (which may have been queued again for a retry).
    private let recorded: @Sendable (CompletedBatch, Int, Bool) -> Void
    private let state = Mutex(State())

    init(
        broker: Broker, owner: String, lease: Duration, answerLimit: Duration, logger: Logger, leases: Leases,
        metrics: ClusterMetrics, functions: @escaping @Sendable () -> [String], queues: [String],
        recorded: @escaping @Sendable (CompletedBatch, Int, Bool) -> Void
    ) {
        (self.broker, self.owner, self.lease, self.answerLimit, self.logger, self.leases) =
            (broker, owner, lease, answerLimit, logger, leases)
        (self.functions, self.queues) = (functions, queues)
        self.recorded = recorded
        self.metrics = metrics
    }

    /// Outcomes not yet written.
    var backlog: Int { state.withLock { $0.batches.pending.count } }

    /// Queues an outcome for the next batch; returns at once.
    func submit(_ task: ClaimedTask, _ outcome: TaskOutcome) {
        state.withLock { state in
            guard state.batches.submit((task, outcome)) else { return }
            state.nextWriter += 1
            let writer = state.nextWriter
            // Unstructured: recording goes on when the cluster is cancelled.
            state.writers[writer] = Task { await self.write(as: writer) }
        }
    }

    /// Waits until every outcome submitted so far is written (or given up on).
    func drain() async {
        while let writer = state.withLock({ $0.writers.values.first }) { await writer.value }
    }

    private func write(as writer: Int) async {
        while let batch = state.withLock({ state -> [Outcome]? in
            guard let batch = state.batches.nextBatch() else {
                state.writers[writer] = nil
                return nil
            }
            return batch
        }) {
            await record(batch)
        }
    }

    private func record(_ batch: [Outcome]) async {
        let (broker, owner, lease, limit, functions, queues) =
            (self.broker, self.owner, self.lease, self.answerLimit, self.functions(), self.queues)
        let sent = ContinuousClock.now
        let written = await LeaseRetry(lease: lease, logger: logger, tasks: batch.map(\.task.id)).run {
            try await broker.withConnection(answeringWithin: limit) { connection in
                try await broker.worker.complete(
                    batch, owner: owner, functions: functions, queues: queues, lease: lease, on: connection)
            }
        }
        switch written {
        case .success(let result):
            metrics.recorded(batch, lost: result.lost, in: ContinuousClock.now - sent)
            leases.hold(result.next.map(\.id), sent: sent)
            leases.drop(batch.map(\.task.id))
            // A failure may have been queued again for a retry, a snooze is: the fetchers look when they are due.
            let failed = batch.contains { !$0.outcome.isSuccess }
            let snoozed = batch.count { if case .snooze = $0.outcome { true } else { false } }
            recorded(result, batch.count - result.lost.count - snoozed, failed)
            if let events = result.events { await announce(events) }
            if !result.lost.isEmpty { await report(lost: result.lost) }
        case .failure(let error) where batch.count > 1 && !LeaseRetry.isWorthRetrying(error):
            // Something in the batch the database refuses: record the others one by one. (A
            // database still unreachable when the lease ran out would refuse them all alike.)
            for outcome in batch { await record([outcome]) }
        case .failure(let error) where !LeaseRetry.isWorthRetrying(error) && batch[0].outcome.isSuccess:
            // The database refuses this one result (one it cannot store): the task fails with
            // the reason, rather than running again and again.
            let task = batch[0].task
            logger.error("a task's result could not be recorded; recording it as failed", metadata: [
                "task": "\(task.id.lowercasedText)", "function": "\(task.function)", "error": "\(error)",
            ])
            await record([(task, .failure("\(task.function): its result could not be recorded: \(error)"))])
        case .failure:
            // Given up: the lease is no longer renewed, runs out, and the rescuer puts the task back.
            leases.drop(batch.map(\.task.id))
        }
    }

    /// Sends a written batch's events. Lost, they cost time, not work: a waiter finds the
    /// results at its next check, an idle cluster a released chain link at its idle check.
    private func announce(_ events: String) async {
        do {
            try await broker.withConnection(answeringWithin: answerLimit) { try await broker.worker.announce(events, on: $0) }
        } catch {
            logger.warning("a batch's events could not be sent; waiters find its results at their next check",
                           metadata: ["error": "\(error)"])
        }
    }

    /// Says why outcomes were not recorded: their leases were lost (another worker has the
    /// tasks), or the tasks were deleted meanwhile (a chain stopped by `deleteGroup`).
    private func report(lost: [UUID]) async {
        let deleted = (try? await broker.withConnection(answeringWithin: answerLimit) { try await broker.worker.vanished(lost, on: $0) }) ?? []
        let taken = lost.filter { !deleted.contains($0) }
        if !deleted.isEmpty {
            logger.info("tasks were deleted while they ran (their group was deleted); their outcomes were dropped",
                        metadata: ["tasks": "\(LeaseRetry.list(lost.filter(deleted.contains)))"])
        }
        if !taken.isEmpty {
            logger.warning("tasks' leases were lost before their outcomes were recorded; other workers have them",
                           metadata: ["tasks": "\(LeaseRetry.list(taken))"])
        }
    }
}
