import Baton
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs queued tasks of the functions its registry has: django-q's cluster.
///
/// The fetcher claims as many tasks as there are free workers in one statement
/// (`FOR UPDATE SKIP LOCKED`), each runs under its timeout, and each outcome is recorded
/// with `baton.complete_task`, which also retries failures and releases the next chain
/// link. An idle cluster sleeps until NOTIFY says work is queued, or until a delayed retry
/// is due. A heartbeat renews its leases and rescues the tasks of clusters that died.
///
/// A `Service`: on graceful shutdown (or `shutdown()`) it stops claiming and lets running
/// tasks finish; cancelled, it hands the unfinished ones back to the queue.
public final class Cluster: Service, Sendable {
    public let broker: Broker
    public let registry: TaskRegistry
    public let configuration: ClusterConfiguration
    /// The functions this cluster claims: those its registry has.
    let functions: [String]
    let logger: Logger

    struct State {
        var running = 0
        var finished = 0
        var stopping = false
        var abandoned: [UUID] = []
    }

    let state = Mutex(State())
    let wake = Signal()

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
    public var finishedCount: Int { state.withLock { $0.finished } }

    /// Stops claiming; `run()` returns once the running tasks have finished.
    public func shutdown() {
        state.withLock { $0.stopping = true }
        wake.fire()
    }

    public func run() async throws {
        let subscription = try await broker.wakeups()
        defer { subscription.cancel() }
        // Notifications about new work and this cluster's own events share one signal.
        let relay = Task { [wake] in
            while !Task.isCancelled {
                if await subscription.signal.wait(until: nil) { wake.fire() }
            }
        }
        defer { relay.cancel() }
        try await upkeep()
        logger.info("cluster started", metadata: [
            "name": "\(configuration.name)", "workers": "\(configuration.workers)",
            "functions": "\(functions.joined(separator: ","))",
        ])
        await withDiscardingTaskGroup { group in
            await withGracefulShutdownHandler {
                await fetch(into: &group)
            } onGracefulShutdown: {
                self.shutdown()
            }
        }
        await leave()
        let abandoned = state.withLock { $0.abandoned }
        if !abandoned.isEmpty {
            throw BatonError(
                code: .clusterWedged,
                message: "tasks \(abandoned.map(\.uuidString).joined(separator: ", ")) ignored the cancellation of "
                    + "their timeout; the cluster stopped so that a fresh process can take its place")
        }
    }

    /// Claims work while there are free workers; sleeps on the wake signal when idle.
    private func fetch(into group: inout DiscardingTaskGroup) async {
        var failures = 0
        var lastUpkeep = ContinuousClock.now
        while !Task.isCancelled && !state.withLock({ $0.stopping || !$0.abandoned.isEmpty }) {
            if ContinuousClock.now - lastUpkeep >= configuration.heartbeatInterval {
                lastUpkeep = .now
                do { try await upkeep() } catch {
                    logger.error("heartbeat failed", metadata: ["error": "\(error)"])
                }
            }
            let free = configuration.workers - state.withLock { $0.running }
            var sleepUntil = ContinuousClock.now + min(configuration.idleCheckInterval, configuration.heartbeatInterval)
            if free > 0 {
                do {
                    let tasks = try await claim(free)
                    if failures > 0 { logger.info("claiming works again") }
                    failures = 0
                    for task in tasks {
                        state.withLock { $0.running += 1 }
                        group.addTask { await self.process(task) }
                    }
                    if tasks.count == free { continue }
                    if let due = try await nextRetry(), due < sleepUntil { sleepUntil = due }
                } catch {
                    failures += 1
                    logger.error("claiming failed; retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
                    sleepUntil = .now + .milliseconds(min(5000, 50 << min(failures, 7)))
                }
            }
            _ = await wake.wait(until: sleepUntil)
        }
    }

    private func claim(_ limit: Int) async throws -> [ClaimedTask] {
        try await broker.pool.withConnection { connection in
            try await broker.claim(
                functions: functions, limit: limit, owner: configuration.name, lease: configuration.lease,
                on: connection)
        }
    }

    /// When the earliest delayed retry of this cluster's functions is due, if any.
    private func nextRetry() async throws -> ContinuousClock.Instant? {
        guard let date = try await broker.pool.withConnection({ try await broker.nextRunAt(functions: functions, on: $0) })
        else { return nil }
        return .now + .milliseconds(max(0, Int(date.timeIntervalSinceNow * 1000)))
    }
}
