import Baton
import Logging
import ServiceLifecycle
import Synchronization

/// Runs queued tasks of the functions its registry has: django-q's cluster.
///
/// The fetcher claims as many tasks as there are free workers in one statement
/// (`FOR UPDATE SKIP LOCKED`), each runs as a child task, and each outcome is recorded
/// with `baton.complete_task`, which also releases the next chain link. An idle cluster
/// sleeps until NOTIFY says work is queued. A `Service`: on graceful shutdown it stops
/// claiming and lets running tasks finish; cancelled, it hands unfinished tasks back.
public final class Cluster: Service, Sendable {
    public let broker: Broker
    public let registry: TaskRegistry
    public let configuration: ClusterConfiguration
    /// The functions this cluster claims: those its registry has.
    let functions: [String]
    let logger: Logger
    private let counts = Mutex((running: 0, finished: 0))

    public init(
        broker: Broker, registry: TaskRegistry = .stock, configuration: ClusterConfiguration = ClusterConfiguration(),
        logger: Logger = Logger(label: "baton.cluster")
    ) {
        self.broker = broker
        self.registry = registry
        self.configuration = configuration
        self.functions = registry.names
        self.logger = logger
    }

    /// Tasks finished (recorded) by this cluster so far.
    public var finishedCount: Int { counts.withLock { $0.finished } }

    public func run() async throws {
        let wake = try await broker.wakeups()
        defer { wake.cancel() }
        try await heartbeat()
        logger.info("cluster started", metadata: [
            "name": "\(configuration.name)", "workers": "\(configuration.workers)",
            "functions": "\(functions.joined(separator: ","))",
        ])
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                await fetch(into: &group, wake: wake.signal)
            } onGracefulShutdown: {
                wake.signal.fire()
            }
        }
        do {
            // Detached: a cancelled cluster still leaves the list.
            try await Task.detached { [broker, configuration] in
                try await broker.pool.withConnection { try await broker.unregister(cluster: configuration.name, on: $0) }
            }.value
        } catch {
            logger.warning("could not remove the cluster's row from baton.clusters", metadata: ["error": "\(error)"])
        }
        logger.info("cluster stopped", metadata: ["name": "\(configuration.name)", "finished": "\(finishedCount)"])
    }

    /// Claims work while there are free workers, sleeping on the wake signal when idle.
    private func fetch(into group: inout DiscardingTaskGroup, wake: Signal) async {
        var failures = 0
        var lastBeat = ContinuousClock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if ContinuousClock.now - lastBeat >= configuration.idleCheckInterval {
                lastBeat = .now
                do { try await heartbeat() } catch {
                    logger.error("heartbeat failed", metadata: ["error": "\(error)"])
                }
            }
            let free = configuration.workers - counts.withLock { $0.running }
            if free > 0 {
                do {
                    let tasks = try await claim(free)
                    failures = 0
                    for task in tasks {
                        counts.withLock { $0.running += 1 }
                        group.addTask { await self.process(task, wake: wake) }
                    }
                    if tasks.count == free { continue }
                } catch {
                    failures += 1
                    logger.error("claiming failed; retrying", metadata: ["error": "\(error)"])
                    try? await Task.sleep(for: .milliseconds(min(5000, 100 << min(failures, 6))))
                    continue
                }
            }
            _ = await wake.wait(until: .now + configuration.idleCheckInterval)
        }
    }

    /// Shows the cluster alive in `baton.clusters` and prunes expired cached results.
    private func heartbeat() async throws {
        try await broker.pool.withConnection { connection in
            try await broker.heartbeat(
                cluster: configuration.name, workers: configuration.workers, functions: functions, on: connection)
        }
    }

    private func claim(_ limit: Int) async throws -> [ClaimedTask] {
        try await broker.pool.withConnection { connection in
            try await broker.claim(
                functions: functions, limit: limit, owner: configuration.name, lease: configuration.lease,
                on: connection)
        }
    }

    /// Runs one task and records its outcome; frees its worker and wakes the fetcher.
    private func process(_ task: ClaimedTask, wake: Signal) async {
        defer {
            counts.withLock { $0.running -= 1 }
            wake.fire()
        }
        let outcome = await registry.execute(task)
        let owner = configuration.name
        // Cancelled (not a graceful stop): the task did not run to its end; hand it back.
        let handBack = Task.isCancelled
        do {
            // Detached, so that recording the outcome is not itself cancelled halfway.
            try await Task.detached { [broker] in
                try await broker.pool.withConnection { connection in
                    if handBack {
                        try await broker.release(task, owner: owner, on: connection)
                    } else if try await broker.complete(task, outcome: outcome, owner: owner, on: connection) {
                        self.counts.withLock { $0.finished += 1 }
                    }
                }
            }.value
        } catch {
            logger.error("recording a task failed; its lease will expire", metadata: [
                "task": "\(task.id)", "error": "\(error)",
            ])
        }
    }
}
