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
    private let book: Mutex<LeaseBook>

    init(lease: Duration) {
        self.lease = lease
        book = Mutex(LeaseBook(lease: lease))
    }

    /// Takes on tasks claimed, or next chain links leased with a batch, by a statement sent at `sent`.
    func hold(_ ids: some Sequence<UUID>, sent: ContinuousClock.Instant) {
        book.withLock { $0.hold(ids, sent: sent) }
    }

    /// Extends what a heartbeat sent at `sent` renewed (the ones still held).
    func renewed(_ ids: some Sequence<UUID>, sent: ContinuousClock.Instant) {
        book.withLock { $0.renewed(ids, sent: sent) }
    }

    /// Lets tasks go: recorded, handed back, or given up.
    func drop(_ ids: some Sequence<UUID>) {
        book.withLock { $0.drop(ids) }
    }

    /// Whether a task may start now: its lease is surely still held.
    func mayStart(_ id: UUID, at now: ContinuousClock.Instant = .now) -> Bool {
        book.withLock { $0.mayStart(id, at: now) }
    }

    /// The tasks held now, for the heartbeat.
    var ids: [UUID] { book.withLock { $0.ids } }
}

/// When a cluster renews or gives up a lease: each task it holds with the time until which
/// its lease is surely held. A pure value, tested without a database.
struct LeaseBook {
    let lease: Duration
    private var held: [UUID: ContinuousClock.Instant] = [:]

    init(lease: Duration) {
        self.lease = lease
    }

    /// Held until a lease after `sent`, when the claim that took them was sent.
    mutating func hold(_ ids: some Sequence<UUID>, sent: ContinuousClock.Instant) {
        for id in ids { held[id] = sent + lease }
    }

    /// Held until a lease after the renewing heartbeat was sent, never less than before; a
    /// task let go meanwhile is not taken on again.
    mutating func renewed(_ ids: some Sequence<UUID>, sent: ContinuousClock.Instant) {
        for id in ids {
            if let until = held[id] { held[id] = max(until, sent + lease) }
        }
    }

    mutating func drop(_ ids: some Sequence<UUID>) {
        for id in ids { held[id] = nil }
    }

    /// Whether a task may start at `now`: held, and its lease surely not run out. (A started
    /// task's lease is renewed by the next heartbeat, a third of a lease later.)
    func mayStart(_ id: UUID, at now: ContinuousClock.Instant) -> Bool {
        held[id].map { $0 > now } ?? false
    }

    /// The tasks held, for the heartbeat to renew.
    var ids: [UUID] { Array(held.keys) }
}
