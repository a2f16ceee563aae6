import Baton
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs queued tasks of the functions its registry has: django-q's cluster.
///
/// Its pieces: the `Fetcher` claims in one statement as many tasks as its workers and its
/// prefetch (deep for short tasks, shallow for long ones: `Prefetch`) have room for
/// (`FOR UPDATE SKIP LOCKED`) into a local queue; `workers` workers take them in turn, each
/// under its timeout (`Executor`); the `Completer` records their outcomes in batches, which
/// also retries failures and hands the next chain link straight to this cluster. An idle
/// cluster sleeps until NOTIFY says work is queued, or a delayed retry is due. The
/// `Heartbeat` renews the leases of the work alive in it (`Leases`), through a graceful stop
/// too, and the `Rescuer` puts back the tasks of clusters that died.
///
/// A `Service`: on graceful shutdown (or `shutdown()`) it stops claiming, lets running
/// tasks finish and hands back the ones it had not started; cancelled, it hands back the
/// unfinished ones too.
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
        /// Registered and running; a stop before that ends `run()` at once.
        var started = false
        var abandoned: [UUID] = []
        /// Whether the last claim filled up: the queue may hold more, so a worker taking a
        /// task wakes the fetcher.
        var queueMayHaveMore = true
        /// Counts the news that work was queued (notifications, failures queued again), so
        /// that news arriving while a claim runs is not overwritten by its result.
        var news = 0
        var prefetch: Prefetch
    }

    let state: Locked<State>
    /// Wakes the fetcher.
    let wake = Signal()
    let local = LocalQueue()
    /// The tasks whose leases the heartbeat renews.
    let leases: Leases
    let completer: Completer
    let executor: Executor<ContinuousClock>
    let heartbeat: Heartbeat
    let rescuer: Rescuer
    /// Calls the hooks of the tasks this cluster finished.
    let hooks: HookCaller
    let fetcher: Fetcher

    public init(
        broker: Broker, registry: TaskRegistry = .stock, configuration: ClusterConfiguration = ClusterConfiguration(),
        logger: Logger = Logger(label: "baton.cluster")
    ) {
        self.broker = broker
        self.registry = registry
        self.configuration = configuration
        let functions = registry.names
        self.functions = functions
        self.logger = logger
        let state = Locked(State(prefetch: Prefetch(workers: configuration.workers, maximum: configuration.prefetch)))
        self.state = state
        leases = Leases(lease: configuration.lease)
        let (local, wake, leases) = (self.local, self.wake, self.leases)
        executor = Executor(
            registry: registry, timeout: configuration.timeout, abandonAfter: configuration.abandonAfter,
            clock: ContinuousClock())
        heartbeat = Heartbeat(
            broker: broker, configuration: configuration, functions: functions, leases: leases, logger: logger,
            finished: { state.withLock { $0.finished } })
        rescuer = Rescuer(broker: broker, logger: logger, answerLimit: configuration.answerLimit)
        let hooks = HookCaller(registry: registry, logger: logger)
        self.hooks = hooks
        completer = Completer(
            broker: broker, owner: configuration.name, lease: configuration.lease, answerLimit: configuration.answerLimit,
            logger: logger, leases: leases,
            functions: { state.withLock { $0.stopping } ? [] : functions },
            recorded: { batch, count, failed in
                state.withLock { state in
                    state.finished += count
                    // A failure with attempts left is queued again, due after its backoff:
                    // the fetcher's next look asks when.
                    if failed {
                        state.queueMayHaveMore = true
                        state.news += 1
                    }
                }
                local.push(batch.next, first: true)
                wake.fire()
                hooks.call(batch.hooked)
            })
        fetcher = Fetcher(
            broker: broker, configuration: configuration, functions: functions, logger: logger, state: state,
            wake: wake, local: local, leases: leases, completer: completer)
    }

    /// Tasks finished (recorded) by this cluster so far.
    public var finishedCount: Int { state.withLock { $0.finished } }

    /// Stops claiming; `run()` returns once the running tasks have finished.
    public func shutdown() {
        state.withLock { $0.stopping = true }
        local.stop()
        wake.fire()
    }

    public func run() async throws {
        let subscription = try await broker.worker.wakeups()
        defer { subscription.cancel() }
        // Notifications about new work and this cluster's own events share one signal.
        let relay = Task { [wake, state] in
            while !Task.isCancelled {
                if await subscription.signal.wait(until: nil) {
                    state.withLock { state in
                        state.queueMayHaveMore = true
                        state.news += 1
                    }
                    wake.fire()
                }
            }
        }
        defer { relay.cancel() }
        // Registers the cluster: a database it cannot reach now is an error for its supervisor.
        try await heartbeat.beat()
        await rescuer.pass()
        let upkeep = Task { [heartbeat] in await heartbeat.run() }
        let rescuing = Task { [rescuer, configuration] in await rescuer.run(every: configuration.heartbeatInterval) }
        state.withLock { $0.started = true }
        logger.info("cluster started", metadata: [
            "name": "\(configuration.name)", "workers": "\(configuration.workers)",
            "functions": "\(functions.joined(separator: ","))",
        ])
        if case .polling(let interval) = broker.listening {
            logger.warning("""
                not listening for notifications (statements are unprepared, as behind a transaction pooler, \
                and BATON_LISTEN_URL names no direct connection): looking for work every \(interval)
                """)
        }
        await withDiscardingTaskGroup { group in
            for _ in 0..<configuration.workers {
                group.addTask { await self.work() }
            }
            await withGracefulShutdownHandler {
                await fetcher.run()
            } onGracefulShutdown: {
                self.shutdown()
            }
            local.stop()
        }
        await completer.drain()
        await handBack(local.removeAll())
        await hooks.drain()
        // The leases are renewed until here: nothing is left that this cluster works on.
        upkeep.cancel()
        rescuing.cancel()
        await upkeep.value
        await rescuing.value
        await leave()
        let abandoned = state.withLock { $0.abandoned }
        if !abandoned.isEmpty {
            throw BatonError(
                code: .clusterWedged,
                message: "tasks \(abandoned.map(\.lowercasedText).joined(separator: ", ")) ignored the cancellation of "
                    + "their timeout; the cluster stopped so that a fresh process can take its place")
        }
    }

    /// Whether the cluster has registered and begun to claim.
    var hasStarted: Bool { state.withLock { $0.started } }
}
