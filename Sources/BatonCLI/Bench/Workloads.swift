import Baton
import BatonCluster
import Logging

/// Baton's own figures, on a database of the bench's own with Baton's schema.
struct Workloads {
    let configuration: ConnectionConfiguration
    let workers: Int
    let prefetch: Int?
    /// Where the broker listens; nil: on `configuration`, as the environment says.
    var listening: Listening? = nil

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
            let rate = try await process(count, on: broker)
            try await empty(broker)
            return rate
        }
    }

    /// One W1 processing run on `broker`'s database, whatever else it holds: tasks/s.
    func process(_ count: Int, on broker: Broker) async throws -> Double {
        let elapsed = try await withWarmCluster(broker, tasks: count) {
            try await fill(broker, to: count)
            // The fill sent no notification; this one starts the work.
            let started = ContinuousClock.now
            try await broker.pool.withConnection { try await $0.notify("baton", payload: "queued") }
            return started
        }
        return Measure.rate(count, in: elapsed)
    }

    /// W2: `chains` chains of `links` no-op links run by a cluster: links/s, and the
    /// hand-off from link n stopped to link n+1 started (p50, p99, ms), timed in the
    /// process that runs them (`HandOffProbe`).
    func chains(_ chains: Int, links: Int) async throws -> ChainRun {
        try await withBroker { broker in
            let probe = HandOffProbe()
            let elapsed = try await withWarmCluster(broker, registry: try probe.registry(), tasks: chains * links) {
                try await broker.pool.transaction { tx in
                    for chain in 0..<chains {
                        try await broker.asyncChain(HandOffProbe.links(chain: chain, count: links), in: tx)
                    }
                    // The commit wakes the cluster: the time starts before it.
                    return ContinuousClock.now
                }
            }
            let handOffs = probe.handOffs(chains: chains, links: links)
            guard handOffs.count == chains * (links - 1) else {
                throw BatonError(code: .taskFailed, message: "W2 saw \(handOffs.count) hand-offs, not \(chains * (links - 1))")
            }
            let recorded = try await recordedHandOffs(broker)
            try await empty(broker)
            return ChainRun(
                rate: Measure.rate(chains * links, in: elapsed),
                p50: Measure.percentile(handOffs, 50), p99: Measure.percentile(handOffs, 99),
                recordedP50: Measure.percentile(recorded, 50), recordedP99: Measure.percentile(recorded, 99))
        }
    }

    /// The hand-offs as the database saw them: from link n's recorded stop to link n+1's.
    private func recordedHandOffs(_ broker: Broker) async throws -> [Duration] {
        try await broker.pool.withConnection { connection in
            try await connection.query(BenchSQL.recordedHandOffs).map { .microseconds(Int64(try $0.decode(0, as: Double.self) * 1000)) }
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
    func runCluster(_ broker: Broker, until count: Int) async throws -> Duration {
        let cluster = cluster(on: broker)
        let started = ContinuousClock.now
        let running = Task { try await cluster.run() }
        try await waitUntil(cluster, finished: count, running)
        let elapsed = ContinuousClock.now - started
        running.cancel()
        try await running.value
        return elapsed
    }

    /// Runs a cluster that has finished a warm-up of `Workloads.warmUp` tasks (its
    /// connections open and its prefetch measured, as the baselines open their connections
    /// before they are timed), then `enqueue`, which queues `tasks` tasks and returns when
    /// the time started: the time until the cluster finished them.
    func withWarmCluster(
        _ broker: Broker, registry: TaskRegistry = .stock, tasks count: Int,
        enqueue: () async throws -> ContinuousClock.Instant
    ) async throws -> Duration {
        // Only notifications wake it: the enqueue's work must not start before it is timed.
        let cluster = cluster(on: broker, registry: registry, idleCheckInterval: .seconds(60))
        let running = Task { try await cluster.run() }
        try await broker.asyncTasks(Array(repeating: TaskCall("baton.echo"), count: Workloads.warmUp))
        try await waitUntil(cluster, finished: Workloads.warmUp, running)
        let started = try await enqueue()
        try await waitUntil(cluster, finished: Workloads.warmUp + count, running)
        let elapsed = ContinuousClock.now - started
        running.cancel()
        try await running.value
        return elapsed
    }

    /// Tasks a cluster runs before it is timed.
    static let warmUp = 1_000

    /// Waits until `cluster` has finished `count` tasks; throws when it makes no progress
    /// for a minute.
    private func waitUntil(_ cluster: Cluster, finished count: Int, _ running: Task<Void, any Error>) async throws {
        var progress = (count: cluster.finishedCount, at: ContinuousClock.now)
        while cluster.finishedCount < count {
            try await Task.sleep(for: .milliseconds(1))
            if cluster.finishedCount > progress.count {
                progress = (cluster.finishedCount, .now)
            } else if ContinuousClock.now - progress.at > .seconds(60) {
                running.cancel()
                throw BatonError(code: .taskFailed, message: "the bench's cluster made no progress for a minute")
            }
        }
    }

    /// A cluster of `workers` (and `prefetch`) that logs warnings and errors only.
    func cluster(on broker: Broker, registry: TaskRegistry = .stock, idleCheckInterval: Duration? = nil) -> Cluster {
        var configuration = ClusterConfiguration(workers: workers, prefetch: prefetch)
        if let idleCheckInterval { configuration.idleCheckInterval = idleCheckInterval }
        return Cluster(broker: broker, registry: registry, configuration: configuration, logger: quiet)
    }

    /// The clusters' logger: warnings and errors only, so that the report stays readable.
    var quiet: Logger {
        var logger = Logger(label: "baton.bench")
        logger.logLevel = .warning
        return logger
    }

    func withBroker<R>(_ body: (Broker) async throws -> R) async throws -> R {
        try await Broker.with(configuration: configuration, maxConnections: workers + 2, listening: listening, body)
    }

    /// Leaves the queue and results empty for the next run.
    func empty(_ broker: Broker) async throws {
        try await broker.pool.withConnection { connection in
            try await connection.execute(script: BenchSQL.empty)
        }
    }
}

/// A W2 run: links/s, and the hand-off's p50 and p99 in ms, timed in the cluster's process
/// (link n's function returned to link n+1's called) and as recorded (their `stopped_at`).
struct ChainRun {
    let rate: Double
    let p50: Double
    let p99: Double
    let recordedP50: Double
    let recordedP99: Double
}
