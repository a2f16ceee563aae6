import Baton
import Foundation

/// How a cluster runs: how many tasks at once, leases, timeouts.
public struct ClusterConfiguration: Sendable {
    /// Tasks run at once; the default is the number of cores.
    public var workers: Int
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
    /// Tasks a cluster may claim beyond its free workers, to start the moment a worker is
    /// free. Short tasks run faster with more; long ones are better left in the queue for
    /// other clusters (held tasks stay leased to this one).
    public var prefetch: Int
    /// Names this cluster in leases and `baton.results.worker`: `host:pid:xxxx`.
    public var name: String

    public init(
        workers: Int = ProcessInfo.processInfo.activeProcessorCount, lease: Duration = .seconds(30),
        idleCheckInterval: Duration = .seconds(5), timeout: Duration? = nil, abandonAfter: Duration = .seconds(10),
        prefetch: Int? = nil, name: String? = nil
    ) {
        self.workers = max(1, workers)
        self.lease = max(lease, .milliseconds(300))
        self.idleCheckInterval = idleCheckInterval
        self.timeout = timeout
        self.abandonAfter = abandonAfter
        self.prefetch = max(0, prefetch ?? Self.defaultPrefetch(workers: self.workers))
        self.name = name ?? "\(WorkerIdentity.current.name):\(UUID().uuidString.prefix(4).lowercased())"
    }

    /// The default prefetch: four tasks a worker, at least 64. With no-op tasks on 4 workers,
    /// 16 gave 13,600 tasks/s, 64 gave 20,000 and 128 gave 23,000 (`baton bench`).
    static func defaultPrefetch(workers: Int) -> Int { max(64, 4 * workers) }

    /// How often leases are renewed, expired leases rescued, and the cluster shown alive.
    var heartbeatInterval: Duration { min(lease / 3, idleCheckInterval) }
}
