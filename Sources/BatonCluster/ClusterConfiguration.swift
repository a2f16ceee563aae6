import Baton
import Foundation

/// How a cluster runs: how many tasks at once, and its leases.
public struct ClusterConfiguration: Sendable {
    /// Tasks run at once; the default is the number of cores.
    public var workers: Int
    /// How long a claimed task is leased. A lease that runs out (a crashed worker) lets the
    /// task be claimed again.
    public var lease: Duration
    /// How long an idle cluster sleeps at most before looking for work unasked, in case a
    /// notification was missed. Work is normally found at once, through NOTIFY.
    public var idleCheckInterval: Duration
    /// Names this cluster in leases and `baton.results.worker`: `host:pid:xxxx`.
    public var name: String

    public init(
        workers: Int = ProcessInfo.processInfo.activeProcessorCount, lease: Duration = .seconds(300),
        idleCheckInterval: Duration = .seconds(5), name: String? = nil
    ) {
        self.workers = max(1, workers)
        self.lease = lease
        self.idleCheckInterval = idleCheckInterval
        self.name = name ?? "\(WorkerIdentity.current.name):\(UUID().uuidString.prefix(4).lowercased())"
    }
}
