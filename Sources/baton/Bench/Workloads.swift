import Baton
import BatonCluster
import Logging

/// Baton's own figures, on a database of the bench's own with Baton's schema.
struct Workloads {
    let configuration: ConnectionConfiguration
    let workers: Int

    /// W1: enqueue `count` tasks one call each, from `workers` concurrent callers: tasks/s.
    func enqueueOnePerCall(_ count: Int) async throws -> Double {
        try await withBroker { broker in
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for caller in 0..<workers {
                    let share = count / workers + (caller < count % workers ? 1 : 0)
                    group.addTask {
                        for _ in 0..<share { try await broker.asyncTask("baton.echo") }
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            try await empty(broker)
            return Measure.rate(count, in: elapsed)
        }
    }

    /// W1: process `count` queued no-op tasks with a cluster of `workers`: tasks/s.
    func process(_ count: Int) async throws -> Double {
        try await withBroker { broker in
            try await broker.pool.withConnection { connection in
                try await connection.execute(
                    "INSERT INTO baton.tasks (id, name, func) SELECT gen_random_uuid(), 'baton.echo', 'baton.echo' "
                        + "FROM generate_series(1, $1::integer)", count)
                try await connection.execute(script: "VACUUM ANALYZE baton.tasks")
            }
            let cluster = Cluster(broker: broker, configuration: ClusterConfiguration(workers: workers), logger: quiet)
            let started = ContinuousClock.now
            let running = Task { try await cluster.run() }
            while cluster.finishedCount < count { try await Task.sleep(for: .milliseconds(5)) }
            let elapsed = ContinuousClock.now - started
            running.cancel()
            try await running.value
            try await empty(broker)
            return Measure.rate(count, in: elapsed)
        }
    }

    /// W2: `chains` chains of `links` no-op links run by a cluster: links/s, and the
    /// hand-off from link n stopped to link n+1 started (p50, p99, ms), from the results'
    /// timestamps (each the start of its transaction, on the server's clock).
    func chains(_ chains: Int, links: Int) async throws -> (rate: Double, p50: Double, p99: Double) {
        try await withBroker { broker in
            try await broker.pool.transaction { tx in
                for _ in 0..<chains {
                    try await broker.asyncChain(Array(repeating: ChainLink("baton.echo"), count: links), in: tx)
                }
            }
            let cluster = Cluster(broker: broker, configuration: ClusterConfiguration(workers: workers), logger: quiet)
            let started = ContinuousClock.now
            let running = Task { try await cluster.run() }
            while cluster.finishedCount < chains * links { try await Task.sleep(for: .milliseconds(5)) }
            let elapsed = ContinuousClock.now - started
            running.cancel()
            try await running.value
            let handOff = try await broker.pool.withConnection { connection in
                try await connection.query("""
                    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap) * 1000 AS p50,
                           percentile_cont(0.99) WITHIN GROUP (ORDER BY gap) * 1000 AS p99
                    FROM (SELECT extract(epoch FROM next.started_at - previous.stopped_at)::float8 AS gap
                          FROM baton.results AS next
                          JOIN baton.results AS previous
                            ON previous.group_id = next.group_id AND previous.chain_position = next.chain_position - 1
                         ) AS gaps
                    """)[0]
            }
            try await empty(broker)
            return (Measure.rate(chains * links, in: elapsed), try handOff.decode("p50"), try handOff.decode("p99"))
        }
    }

    /// W3: on an idle system, enqueue one task and wait for its result, `trials` times:
    /// the round trips' p50 and p99 in milliseconds.
    func roundTrip(_ trials: Int) async throws -> (p50: Double, p99: Double) {
        try await withBroker { broker in
            let cluster = Cluster(broker: broker, configuration: ClusterConfiguration(workers: workers), logger: quiet)
            let running = Task { try await cluster.run() }
            var times: [Duration] = []
            // The first round trips open connections; they are not what W3 measures.
            for trial in 0..<(trials + 5) {
                let started = ContinuousClock.now
                let id = try await broker.asyncTask("baton.echo")
                guard try await broker.result(id, wait: .seconds(10)) != nil else {
                    throw BatonError(code: .taskFailed, message: "a W3 round trip got no result within 10 s")
                }
                if trial >= 5 { times.append(ContinuousClock.now - started) }
            }
            running.cancel()
            try await running.value
            try await empty(broker)
            return (Measure.percentile(times, 50), Measure.percentile(times, 99))
        }
    }

    /// The clusters' logger: warnings and errors only, so that the report stays readable.
    private var quiet: Logger {
        var logger = Logger(label: "baton.bench")
        logger.logLevel = .warning
        return logger
    }

    private func withBroker<R>(_ body: (Broker) async throws -> R) async throws -> R {
        try await Broker.with(configuration: configuration, maxConnections: workers + 2, body)
    }

    /// Leaves the queue and results empty for the next run.
    private func empty(_ broker: Broker) async throws {
        try await broker.pool.withConnection { connection in
            try await connection.execute(script: "TRUNCATE baton.tasks, baton.results, baton.cached_results, baton.groups, baton.clusters")
        }
    }
}
