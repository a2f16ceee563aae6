import Baton
import Foundation
import Metrics
import Synchronization

/// A cluster's own figures, through swift-metrics: no-ops until the application bootstraps a
/// metrics backend (`baton cluster --metrics-port` bootstraps Prometheus). Labels are the
/// function, the queue and the outcome, never a task's or group's id. docs/metrics.md lists them.
///
/// A handle is made once per function and queue and kept: a task's run touches no lock of the
/// backend's beyond its own counters.
final class ClusterMetrics: Sendable {
    /// The figures of one function in one queue.
    struct Handles: Sendable {
        let run: Timer
        let waited: Timer
        let attempts: [AttemptOutcome: Counter]
        let finished: [FinalOutcome: Counter]
    }

    /// What one attempt came to, as this cluster ran it.
    enum AttemptOutcome: String, CaseIterable, Sendable {
        case success, failure, snooze, cancelled
    }

    /// How a task ended, as this cluster recorded it: a failure with attempts left is not an end.
    enum FinalOutcome: String, CaseIterable, Sendable {
        case success, failure
    }

    private struct Key: Hashable {
        let function: String
        let queue: String
    }

    private let handles = Mutex<[Key: Handles]>([:])
    let renewed = Counter(label: "baton_leases_renewed_total")
    let lost = Counter(label: "baton_leases_lost_total")
    let rescued = Counter(label: "baton_tasks_rescued_total")
    let completeBatch = Recorder(label: "baton_complete_batch_size", aggregate: true)
    let completeTime = Timer(label: "baton_complete_seconds")

    func of(_ task: ClaimedTask) -> Handles {
        let key = Key(function: task.function, queue: task.queue)
        if let known = handles.withLock({ $0[key] }) { return known }
        let labels = [("function", key.function), ("queue", key.queue)]
        let made = Handles(
            run: Timer(label: "baton_task_run_seconds", dimensions: labels),
            waited: Timer(label: "baton_task_wait_seconds", dimensions: labels),
            attempts: Dictionary(uniqueKeysWithValues: AttemptOutcome.allCases.map {
                ($0, Counter(label: "baton_task_attempts_total", dimensions: labels + [("outcome", $0.rawValue)]))
            }),
            finished: Dictionary(uniqueKeysWithValues: FinalOutcome.allCases.map {
                ($0, Counter(label: "baton_tasks_finished_total", dimensions: labels + [("outcome", $0.rawValue)]))
            }))
        return handles.withLock { known in
            if let other = known[key] { return other }
            known[key] = made
            return made
        }
    }

    /// The outcomes of a batch as recorded, `lost` ones left out (their leases had gone).
    func recorded(_ batch: [(task: ClaimedTask, outcome: TaskOutcome)], lost: [UUID], in duration: Duration) {
        completeBatch.record(batch.count)
        completeTime.recordNanoseconds(duration.nanoseconds)
        if !lost.isEmpty { self.lost.increment(by: lost.count) }
        let lost = Set(lost)
        for (task, outcome) in batch where !lost.contains(task.id) {
            switch outcome {
            case .success: of(task).finished[.success]?.increment()
            case .failure where task.attempt >= task.maxAttempts: of(task).finished[.failure]?.increment()
            case .failure, .snooze: break
            }
        }
    }
}

/// The figures of one lane: its claims and, sampled, its workers and local queue.
struct LaneMetrics: Sendable {
    let claimTime: Timer
    let claimBatch: Recorder
    let inProgress: Gauge
    let slots: Gauge
    let localDepth: Gauge

    init(queue: String) {
        let labels = [("queue", queue)]
        claimTime = Timer(label: "baton_claim_seconds", dimensions: labels)
        claimBatch = Recorder(label: "baton_claim_batch_size", dimensions: labels, aggregate: true)
        inProgress = Gauge(label: "baton_tasks_in_progress", dimensions: labels)
        slots = Gauge(label: "baton_worker_slots", dimensions: labels)
        localDepth = Gauge(label: "baton_local_queue_depth", dimensions: labels)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

extension TaskOutcome {
    var metricOutcome: ClusterMetrics.AttemptOutcome {
        switch self {
        case .success: .success
        case .failure: .failure
        case .snooze: .snooze
        }
    }
}
