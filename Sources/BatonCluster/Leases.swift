import Foundation
import Synchronization

/// The tasks whose leases a cluster holds and still works on: running, waiting in its local
/// queue, or with an outcome still to be written. The heartbeat renews exactly these; a task
/// the cluster gives up leaves the set at once, so its lease runs out and the rescuer takes it.
final class Leases: Sendable {
    private let held = Mutex(Set<UUID>())

    /// Takes on tasks just claimed, or next chain links leased with a batch.
    func hold(_ ids: some Sequence<UUID>) {
        held.withLock { $0.formUnion(ids) }
    }

    /// Lets tasks go: recorded, handed back, or given up.
    func drop(_ ids: some Sequence<UUID>) {
        held.withLock { $0.subtract(ids) }
    }

    /// The tasks held now, for the heartbeat.
    var ids: [UUID] { held.withLock { Array($0) } }
}
