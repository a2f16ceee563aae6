import Baton
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Runs queued tasks of the functions its registry has: django-q's cluster.
///
/// The fetcher claims in one statement as many tasks as its workers and its prefetch (deep
/// for short tasks, shallow for long ones: `Prefetch`) have room for (`FOR UPDATE SKIP LOCKED`) into a local queue; `workers` workers take them in
/// turn, each under its timeout; the completer records their outcomes in batches, which
/// also retries failures and hands the next chain link straight to this cluster. An idle
/// cluster sleeps until NOTIFY says work is queued, or a delayed retry is due. A heartbeat
/// renews the leases of the work alive in it (`Leases`), through a graceful stop too, and
/// the rescuer puts back the tasks of clusters that died.
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
                await fetch()
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

    /// Claims work while there is room and the queue may hold some; sleeps on the wake
    /// signal otherwise. It looks without news when a delayed retry is due and every
    /// `idleCheckInterval`, in case a notification was missed.
    private func fetch() async {
        var failures = 0
        var lookAgainAt = ContinuousClock.now
        while !Task.isCancelled && !state.withLock({ $0.stopping || !$0.abandoned.isEmpty }) {
            let idleCheck = min(configuration.idleCheckInterval, configuration.heartbeatInterval)
            let (running, depth, mayHaveMore) = state.withLock { ($0.running, $0.prefetch.depth, $0.queueMayHaveMore) }
            let capacity = configuration.workers + depth
            let room = capacity - running - local.count
            // Claim in batches, when the local queue runs low, rather than a task or two each
            // time a worker takes one. Outcomes waiting to be written hold their leases: claim
            // no more while many wait. A cluster that took all there was waits for news.
            let runningLow = local.count < configuration.workers || room * 2 >= capacity
            let due = ContinuousClock.now >= lookAgainAt
            if room > 0, runningLow, completer.backlog < 4 * Completer.maxBatch, mayHaveMore || due {
                do {
                    let news = state.withLock { $0.news }
                    let tasks = try await claim(room)
                    if failures > 0 { logger.info("claiming works again") }
                    failures = 0
                    let filled = tasks.count == room
                    state.withLock { $0.queueMayHaveMore = filled || $0.news != news }
                    local.push(tasks)
                    if filled { continue }
                    // Enqueues by SQL notify only clusters that say they wait (baton.await_work).
                    if listens, try await awaitWork() {
                        state.withLock { $0.queueMayHaveMore = true }
                        continue
                    }
                    lookAgainAt = .now + idleCheck
                    if let retry = try await nextRetry(), retry < lookAgainAt { lookAgainAt = retry }
                } catch where Task.isCancelled {
                    break
                } catch {
                    failures += 1
                    logger.error("claiming failed; retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
                    lookAgainAt = .now + .milliseconds(min(5000, 50 << min(failures, 7)))
                    _ = await wake.wait(until: lookAgainAt)
                    continue
                }
            }
            // Overdue with no room: the completer or a worker wakes the fetcher when there is.
            _ = await wake.wait(until: lookAgainAt > .now ? lookAgainAt : .now + idleCheck)
        }
    }

    private func claim(_ limit: Int) async throws -> [ClaimedTask] {
        let started = ContinuousClock.now
        let tasks = try await broker.withConnection(answeringWithin: configuration.answerLimit) { connection in
            try await broker.worker.claim(
                functions: functions, limit: limit, owner: configuration.name, lease: configuration.lease,
                on: connection)
        }
        leases.hold(tasks.map(\.id), sent: started)
        state.withLock { $0.prefetch.claimed(in: ContinuousClock.now - started) }
        return tasks
    }

    /// Whether this cluster hears notifications (it does unless its broker polls).
    private var listens: Bool {
        if case .polling = broker.listening { false } else { true }
    }

    /// Marks this cluster as waiting for work; true when it should claim once more first.
    private func awaitWork() async throws -> Bool {
        try await broker.withConnection(answeringWithin: configuration.answerLimit) { [configuration] in
            try await broker.worker.awaitWork(cluster: configuration.name, on: $0)
        }
    }

    /// When the earliest delayed retry of this cluster's functions is due, if any: in a
    /// millisecond at the soonest, so that a due task another claimer holds is not asked
    /// for in a tight loop.
    private func nextRetry() async throws -> ContinuousClock.Instant? {
        guard let due = try await broker.withConnection(answeringWithin: configuration.answerLimit, { [functions] in
            try await broker.worker.nextDue(functions: functions, on: $0)
        })
        else { return nil }
        return .now + max(due, .milliseconds(1))
    }
}
