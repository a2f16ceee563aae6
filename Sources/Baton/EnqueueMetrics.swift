import Metrics

/// Counts the tasks this process enqueues, by function, through swift-metrics
/// (`baton_tasks_enqueued_total`): a no-op until the application bootstraps a metrics
/// backend. Counted once the enqueue statement has run, so a task enqueued in a transaction
/// that rolls back still counts; tasks enqueued through SQL by other programs are in the
/// cluster-wide figures (`baton_queue_tasks`), not here.
enum EnqueueMetrics {
    static let label = "baton_tasks_enqueued_total"

    static func count(_ function: String, _ tasks: Int = 1) {
        guard tasks > 0 else { return }
        Counter(label: label, dimensions: [("function", function)]).increment(by: tasks)
    }

    /// Counts a batch by function.
    static func count<Calls: Sequence>(functions: Calls) where Calls.Element == String {
        var counts: [String: Int] = [:]
        for function in functions { counts[function, default: 0] += 1 }
        for (function, tasks) in counts { count(function, tasks) }
    }
}
