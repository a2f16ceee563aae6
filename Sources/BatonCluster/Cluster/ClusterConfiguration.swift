import Baton
import Foundation

/// How a cluster runs: which queues, how many tasks at once, leases, timeouts.
public struct ClusterConfiguration: Sendable {
    /// The queues this cluster serves and the workers it gives each: every queue has workers
    /// of its own, so a busy one cannot take another's. By default all `workers` on `default`.
    public var queues: [String: Int]
    /// Tasks run at once, in all its queues together.
    public var workers: Int { queues.values.reduce(0, +) }
    /// How long a claimed task is leased. The cluster renews its leases every third of this;
    /// a lease that runs out (the cluster died) lets another cluster take the task.
    public var lease: Duration
    /// How long an idle cluster sleeps at most before looking for work unasked, in case a
    /// notification was missed. Work is normally found at once, through NOTIFY.
    public var idleCheckInterval: Duration
    /// How long one attempt may run when its task sets no timeout; nil: no limit.
    public var timeout: Duration?
    /// How long a timed-out task has to stop after being cancelled. One that does not is
    /// abandoned: the cluster stops claiming, finishes the rest and `run()` throws
    /// `BatonError.clusterWedged`, for a supervisor to start a fresh process.
    public var abandonAfter: Duration
    /// The most tasks a cluster may claim beyond its free workers, to start the moment a
    /// worker is free. The cluster holds fewer when tasks are long: enough to keep its
    /// workers busy through one claim, twice over (`Prefetch`). 0: claim only for free workers.
    public var prefetch: Int
    /// Names this cluster in leases and `baton.results.worker`: `host:pid:xxxx`.
    public var name: String
    /// Whether it fires due schedules (`Broker.schedule`). Every cluster may: each due time
    /// is fired once whatever their number. false leaves it to others.
    public var firesSchedules: Bool
    /// How long finished results are kept (`baton.results`, and finished groups); nil: for ever.
    public var keep: Duration?
    /// How many results of each function are kept, the newest (django-q's `save_limit`, per
    /// function); nil: no limit.
    public var keepPerFunction: Int?
    /// How often the history is pruned (when `keep` or `keepPerFunction` is set).
    public var pruneInterval: Duration

    /// - Parameters:
    ///   - workers: tasks run at once when `queues` is not given (default: the number of cores).
    ///   - queues: the queues to serve, each with its workers (at least 1 each); by default
    ///     `["default": workers]`. Names are checked when the cluster starts (`QueueName`).
    public init(
        workers: Int = ProcessInfo.processInfo.activeProcessorCount, queues: [String: Int]? = nil,
        lease: Duration = .seconds(30), idleCheckInterval: Duration = .seconds(5), timeout: Duration? = nil,
        abandonAfter: Duration = .seconds(10), prefetch: Int? = nil, name: String? = nil, firesSchedules: Bool = true,
        keep: Duration? = nil, keepPerFunction: Int? = nil, pruneInterval: Duration = .seconds(60)
    ) {
        self.firesSchedules = firesSchedules
        (self.keep, self.keepPerFunction, self.pruneInterval) = (keep, keepPerFunction.map { max(0, $0) }, pruneInterval)
        let queues = queues?.mapValues { max(1, $0) } ?? [:]
        self.queues = queues.isEmpty ? [QueueName.default: max(1, workers)] : queues
        self.lease = max(lease, .milliseconds(300))
        self.idleCheckInterval = idleCheckInterval
        self.timeout = timeout
        self.abandonAfter = abandonAfter
        self.prefetch = max(0, prefetch ?? Self.defaultPrefetch(workers: self.queues.values.reduce(0, +)))
        self.name = name ?? "\(WorkerIdentity.current.name):\(UUID().uuidString.prefix(4).lowercased())"
    }

    /// The default most: 16 tasks a worker, at least 128. With no-op tasks on 4 workers, at
    /// most 64 gave 33,700 tasks/s, 128 gave 41,500 and 256 gave 37,300.
    static func defaultPrefetch(workers: Int) -> Int { max(128, 16 * workers) }

    /// The most one queue's fetcher holds beyond its free workers: `prefetch` for a cluster of
    /// one queue; with several, no more than the default for that queue's workers each.
    func prefetch(forQueueOf workers: Int) -> Int {
        queues.count == 1 ? prefetch : min(prefetch, Self.defaultPrefetch(workers: workers))
    }

    /// How long each of the cluster's own statements (claims, outcomes, hand-backs, rescues)
    /// may wait for its answer (`Connection.answerLimit`): half a lease. A heartbeat has a third.
    var answerLimit: Duration { lease / 2 }

    /// How often leases are renewed, expired leases rescued, and the cluster shown alive.
    var heartbeatInterval: Duration { min(lease / 3, idleCheckInterval) }
}
