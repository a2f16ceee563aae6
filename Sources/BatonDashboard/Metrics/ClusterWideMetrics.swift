import Baton
import LibPQ
import Synchronization

/// The figures of the whole queue, from the database (`baton.metrics()`), so that tasks
/// enqueued by SQL from any language count: read at most once per `interval` by every process
/// together (`baton.shared_metrics()` keeps the reading in the database), and the reading
/// kept here until it is that old, so that scrapes every second of many clusters and
/// dashboards cost the database one reading per interval. A read that fails reports
/// `baton_database_up 0` and no other cluster-wide sample.
final class ClusterWideMetrics: Sendable {
    private struct Sample: Sendable {
        let metric: String
        let labels: [(String, String)]
        let value: Double
    }

    private struct Reading: Sendable {
        let at: ContinuousClock.Instant
        let text: String
    }

    /// What each of baton.metrics()'s metrics is, by the name it has there.
    static let families: [(name: String, help: String)] = [
        ("queue_tasks", "Tasks not finished, by queue, function and state (queued, delayed, running, waiting)."),
        ("queue_oldest_task_age_seconds", "Seconds the oldest due, unclaimed task of the queue has waited (0: none)."),
        ("unclaimable_tasks", "Due tasks that no live cluster serves (their function in their queue)."),
        ("queue_paused", "1 for a paused queue."),
        ("clusters_alive", "Clusters whose heartbeat was seen within three leases."),
        ("chains", "Unfinished chains, by the state of their current link."),
    ]

    private let broker: Broker
    private let interval: Duration
    private let last = Mutex<Reading?>(nil)
    /// One read at a time: scrapes that arrive during a read share it.
    private let reading = Mutex<Task<String, Never>?>(nil)

    init(broker: Broker, interval: Duration) {
        (self.broker, self.interval) = (broker, interval)
    }

    /// The samples, in the text format: the last reading if it is recent, else a new one.
    func text() async -> String {
        if let last = last.withLock({ $0 }), ContinuousClock.now - last.at < interval { return last.text }
        let task = reading.withLock { running in
            if let running { return running }
            // The reading ends its own turn; under this lock, so not before it is recorded.
            let task = Task {
                let text = await self.read()
                self.reading.withLock { $0 = nil }
                return text
            }
            running = task
            return task
        }
        return await task.value
    }

    private func read() async -> String {
        var out = PrometheusText()
        do {
            let asked = ContinuousClock.now
            let rows = try await broker.pool.withConnection { connection in
                do {
                    return try await connection.query(MetricsSQL.clusterWide, [interval.postgresInterval])
                } catch let error as PostgresError where error.code == .undefinedFunction || error.code == .insufficientPrivilege {
                    return try await connection.query(MetricsSQL.clusterWideAlone)
                }
            }
            // When the reading was made, as this process's clock tells it (another process may have
            // made it): every row carries the reading's one age.
            let madeAt = asked - .seconds(try rows.first?.decode("age", as: Double.self) ?? 0)
            var samples: [String: [Sample]] = [:]
            for row in rows {
                var labels: [(String, String)] = []
                for (column, label) in [("queue", "queue"), ("func", "function"), ("state", "state")] {
                    if let value = try row.decode(column, as: String?.self) { labels.append((label, value)) }
                }
                let metric: String = try row.decode("metric")
                samples[metric, default: []].append(Sample(metric: metric, labels: labels, value: try row.decode("value")))
            }
            out.family("baton_database_up", help: "1 when the cluster-wide figures below could be read from the database.")
            out.sample("baton_database_up", [], 1)
            for (name, help) in Self.families {
                out.family("baton_\(name)", help: help)
                for sample in samples[name] ?? [] { out.sample("baton_\(name)", sample.labels, sample.value) }
            }
            let text = out.text
            last.withLock { $0 = Reading(at: madeAt, text: text) }
            return text
        } catch {
            out.family("baton_database_up", help: "1 when the cluster-wide figures below could be read from the database.")
            out.sample("baton_database_up", [], 0)
            return out.text
        }
    }
}
