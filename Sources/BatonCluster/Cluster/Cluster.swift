import Baton
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs queued tasks of the functions its registry has, from the queues it serves: django-q's
/// cluster.
///
/// Its pieces: for each queue it serves, a `Lane` whose `Fetcher` claims in one statement as
/// many tasks as the lane's workers and its prefetch (deep for short tasks, shallow for long
/// ones: `Prefetch`) have room for (`FOR UPDATE SKIP LOCKED`) into the lane's local queue, and
/// the lane's workers take them in turn, each under its timeout (`Executor`); the `Completer`
/// records their outcomes in batches, which also retries failures and hands the next chain
/// link straight to this cluster. An idle cluster sleeps until NOTIFY says work is queued, or
/// a delayed task is due. The `Heartbeat` renews the leases of the work alive in it
/// (`Leases`), through a graceful stop too; the `Rescuer` puts back the tasks of clusters that
/// died; the `Scheduler` fires due schedules; the `Pruner` keeps the history in bounds; a
/// cancel (`Broker.cancel`) stops the tasks it names (`RunningTasks`).
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
        var finished = 0
        var stopping = false
        /// Registered and running; a stop before that ends `run()` at once.
        var started = false
        var abandoned: [UUID] = []
    }

    let state: Locked<State>
    /// One for each queue served, in the order of their names.
    let lanes: [Lane]
    /// The tasks whose leases the heartbeat renews.
    let leases: Leases
    let completer: Completer
    let executor: Executor<ContinuousClock>
    let heartbeat: Heartbeat
    let rescuer: Rescuer
    let scheduler: Scheduler
    let pruner: Pruner
    /// Calls the hooks of the tasks this cluster finished.
    let hooks: HookCaller
    let fetchers: [Fetcher]
    /// The tasks running now, for cancellation.
    let running = RunningTasks()
    let metrics: ClusterMetrics

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
        let state = Locked(State())
        self.state = state
        let metrics = ClusterMetrics()
        self.metrics = metrics
        let lanes = configuration.queues.sorted { $0.key < $1.key }.map { queue, workers in
            Lane(queue: queue, workers: workers, prefetch: configuration.prefetch(forQueueOf: workers))
        }
        self.lanes = lanes
        leases = Leases(lease: configuration.lease)
        let leases = self.leases
        executor = Executor(
            registry: registry, timeout: configuration.timeout, abandonAfter: configuration.abandonAfter,
            clock: ContinuousClock())
        heartbeat = Heartbeat(
            broker: broker, configuration: configuration, functions: functions, leases: leases, logger: logger,
            metrics: metrics, finished: { state.withLock { $0.finished } })
        rescuer = Rescuer(broker: broker, logger: logger, answerLimit: configuration.answerLimit, metrics: metrics)
        scheduler = Scheduler(
            broker: broker, owner: configuration.name, answerLimit: configuration.answerLimit, logger: logger)
        pruner = Pruner(
            broker: broker, keep: configuration.keep, keepPerFunction: configuration.keepPerFunction,
            every: configuration.pruneInterval, answerLimit: configuration.answerLimit, logger: logger)
        let hooks = HookCaller(registry: registry, logger: logger)
        self.hooks = hooks
        completer = Completer(
            broker: broker, owner: configuration.name, lease: configuration.lease, answerLimit: configuration.answerLimit,
            logger: logger, leases: leases, metrics: metrics,
            functions: { state.withLock { $0.stopping } ? [] : functions }, queues: lanes.map(\.queue),
            recorded: { batch, count, failed in
                state.withLock { $0.finished += count }
                // A failure with attempts left is queued again, due after its backoff: the
                // fetchers' next look asks when.
                if failed { for lane in lanes { lane.hearNews() } }
                // Next chain links leased to this cluster go to the front of their queue's lane.
                for lane in lanes {
                    let next = batch.next.filter { $0.queue == lane.queue }
                    lane.local.push(next, first: true)
                    lane.wake.fire()
                }
                hooks.call(batch.hooked)
            })
        let completer = self.completer
        fetchers = lanes.map { lane in
            Fetcher(
                broker: broker, configuration: configuration, functions: functions, logger: logger, cluster: state,
                lane: lane, leases: leases, completer: completer)
        }
    }

    /// Tasks finished (recorded) by this cluster so far.
    public var finishedCount: Int { state.withLock { $0.finished } }

    /// Stops claiming; `run()` returns once the running tasks have finished.
    public func shutdown() {
        state.withLock { $0.stopping = true }
        for lane in lanes {
            lane.local.stop()
            lane.wake.fire()
        }
    }

    public func run() async throws {
        let subscription = try await broker.worker.wakeups()
        defer { subscription.cancel() }
        // Notifications about new work and this cluster's own events share one signal.
        let relay = Task { [lanes] in
            while !Task.isCancelled {
                if await subscription.signal.wait(until: nil) {
                    for lane in lanes { lane.hearNews() }
                }
            }
        }
        defer { relay.cancel() }
        let cancels = try await broker.worker.cancellations()
        defer { cancels.cancel() }
        let cancelling = Task { await self.cancelOnNotice(cancels) }
        defer { cancelling.cancel() }
        // Registers the cluster: a database it cannot reach now is an error for its supervisor.
        for queue in configuration.queues.keys { try QueueName.check(queue) }
        try await heartbeat.beat()
        await rescuer.pass()
        let upkeep = Task { [heartbeat] in await heartbeat.run() }
        let rescuing = Task { [rescuer, configuration] in await rescuer.run(every: configuration.heartbeatInterval) }
        let scheduling = configuration.firesSchedules ? Task { [scheduler] in await scheduler.run() } : nil
        let pruning = Task { [pruner] in await pruner.run() }
        // The lanes' gauges, each second: their sums change with every task, a sample is enough.
        let sampling = Task { [lanes] in
            repeat { for lane in lanes { lane.sample() } } while (try? await Task.sleep(for: .seconds(1))) != nil
        }
        defer { sampling.cancel() }
        state.withLock { $0.started = true }
        logger.info("cluster started", metadata: [
            "name": "\(configuration.name)", "workers": "\(configuration.workers)",
            "queues": "\(lanes.map { "\($0.queue)=\($0.workers)" }.joined(separator: ","))",
            "functions": "\(functions.joined(separator: ","))",
        ])
        if case .polling(let interval) = broker.listening {
            logger.warning("""
                not listening for notifications (statements are unprepared, as behind a transaction pooler, \
                and BATON_LISTEN_URL names no direct connection): looking for work every \(interval)
                """)
        }
        await withDiscardingTaskGroup { group in
            for lane in lanes {
                for _ in 0..<lane.workers {
                    group.addTask { await self.work(in: lane) }
                }
            }
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { fetching in
                    for fetcher in fetchers {
                        fetching.addTask { await fetcher.run() }
                    }
                }
            } onGracefulShutdown: {
                self.shutdown()
            }
            for lane in lanes { lane.local.stop() }
        }
        scheduling?.cancel()
        pruning.cancel()
        await scheduling?.value
        await pruning.value
        await completer.drain()
        await handBack(lanes.flatMap { $0.local.removeAll() })
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
