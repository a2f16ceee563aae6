import Baton
import BatonCluster
import Logging

/// Baton's own figures, on a database of the bench's own with Baton's schema.
struct Workloads {
    let configuration: ConnectionConfiguration
    let workers: Int
    let prefetch: Int?

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
            try await fill(broker, to: count)
            let elapsed = try await runCluster(broker, until: count)
            try await empty(broker)
            return Measure.rate(count, in: elapsed)
        }
    }

    /// W2: `chains` chains of `links` no-op links run by a cluster: links/s, and the
    /// hand-off from link n stopped to link n+1 started (p50, p99, ms), timed in the
    /// process that runs them (`HandOffProbe`).
    func chains(_ chains: Int, links: Int) async throws -> (rate: Double, p50: Double, p99: Double) {
        try await withBroker { broker in
            try await broker.pool.transaction { tx in
                for chain in 0..<chains {
                    try await broker.asyncChain(HandOffProbe.links(chain: chain, count: links), in: tx)
                }
            }
            let probe = HandOffProbe()
            let elapsed = try await runCluster(broker, registry: try probe.registry(), until: chains * links)
            let handOffs = probe.handOffs(chains: chains, links: links)
            guard handOffs.count == chains * (links - 1) else {
                throw BatonError(code: .taskFailed, message: "W2 saw \(handOffs.count) hand-offs, not \(chains * (links - 1))")
            }
            try await empty(broker)
            return (Measure.rate(chains * links, in: elapsed), Measure.percentile(handOffs, 50),
                    Measure.percentile(handOffs, 99))
        }
    }

    /// W3: on an idle system, enqueue one task and wait for its result, `trials` times:
    /// the round trips' p50 and p99 in milliseconds.
    func roundTrip(_ trials: Int) async throws -> (p50: Double, p99: Double) {
        try await withBroker { broker in
            let cluster = cluster(on: broker)
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

    /// Runs a cluster until it has finished `count` tasks: the time that took.
    func runCluster(_ broker: Broker, registry: TaskRegistry = .stock, until count: Int) async throws -> Duration {
        let cluster = cluster(on: broker, registry: registry)
        let started = ContinuousClock.now
        let running = Task { try await cluster.run() }
        var progress = (count: 0, at: ContinuousClock.now)
        while cluster.finishedCount < count {
            try await Task.sleep(for: .milliseconds(2))
            if cluster.finishedCount > progress.count {
                progress = (cluster.finishedCount, .now)
            } else if ContinuousClock.now - progress.at > .seconds(60) {
                running.cancel()
                throw BatonError(code: .taskFailed, message: "the bench's cluster made no progress for a minute")
            }
        }
        let elapsed = ContinuousClock.now - started
        running.cancel()
        try await running.value
        return elapsed
    }

    /// A cluster of `workers` (and `prefetch`) that logs warnings and errors only.
    func cluster(on broker: Broker, registry: TaskRegistry = .stock) -> Cluster {
        Cluster(
            broker: broker, registry: registry,
            configuration: ClusterConfiguration(workers: workers, prefetch: prefetch), logger: quiet)
    }

    /// The clusters' logger: warnings and errors only, so that the report stays readable.
    var quiet: Logger {
        var logger = Logger(label: "baton.bench")
        logger.logLevel = .warning
        return logger
    }

    func withBroker<R>(_ body: (Broker) async throws -> R) async throws -> R {
        try await Broker.with(configuration: configuration, maxConnections: workers + 2, body)
    }

    /// Leaves the queue and results empty for the next run.
    func empty(_ broker: Broker) async throws {
        try await broker.pool.withConnection { connection in
            try await connection.execute(script: "TRUNCATE baton.tasks, baton.results, baton.cached_results, baton.groups, baton.clusters")
        }
    }
}
