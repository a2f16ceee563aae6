import Foundation
import Synchronization

/// The tasks whose leases a cluster holds and still works on: running, waiting in its local
/// queue, or with an outcome still to be written. The heartbeat renews exactly these; a task
/// the cluster gives up leaves the set at once, so its lease runs out and the rescuer takes it.
///
/// Each is kept with the time until which its lease is surely held: a lease length after the
/// claim (or the renewal) that took it was sent, earlier than the database's own expiry. A
/// cluster that was paused (SIGSTOP, a stalled VM) or cut off past that time may have lost
/// the task to another worker, so it does not start it (`mayStart`).
final class Leases: Sendable {
    let lease: Duration
    private let held = Mutex([UUID: ContinuousClock.Instant]())

    init(lease: Duration) {
        self.lease = lease
    }

    /// Takes on tasks claimed, or next chain links leased with a batch, by a statement sent at `sent`.
    func hold(_ ids: some Sequence<UUID>, sent: ContinuousClock.Instant) {
        held.withLock { held in
            for id in ids { held[id] = sent + lease }
        }
    }

    /// Extends what a heartbeat sent at `sent` renewed (the ones still held).
    func renewed(_ ids: some Sequence<UUID>, sent: ContinuousClock.Instant) {
        held.withLock { held in
            for id in ids where held[id] != nil { held[id] = max(held[id]!, sent + lease) }
        }
    }

    /// Lets tasks go: recorded, handed back, or given up.
    func drop(_ ids: some Sequence<UUID>) {
        held.withLock { held in
            for id in ids { held[id] = nil }
        }
    }

    /// Whether a task may start now: its lease is surely still held. (A started task's lease
    /// is renewed by the next heartbeat, a third of a lease later.)
    func mayStart(_ id: UUID, at now: ContinuousClock.Instant = .now) -> Bool {
        held.withLock { held in held[id].map { $0 > now } ?? false }
    }

    /// The tasks held now, for the heartbeat.
    var ids: [UUID] { held.withLock { Array($0.keys) } }
}
