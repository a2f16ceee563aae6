import Foundation
import LibPQ

/// The worker protocol: what only a worker does with the queue (claim tasks under a lease,
/// complete them, renew the leases, rescue expired ones, wait for work). `package`: the
/// runtime (BatonCluster), the tool and the tests call it through `broker.worker`; an app
/// that enqueues sees only `Broker`'s own API.
package struct WorkerCalls: Sendable {
    let broker: Broker
    /// Claims up to `limit` queued tasks of these functions in `queue` for `owner`, committing
    /// the lease at once: none from a paused queue, no more than a limited one has room for.
    package func claim(
        functions: [String], queue: String = QueueName.default, limit: Int, owner: String, lease: Duration,
        on connection: Connection
    ) async throws -> [ClaimedTask] {
        let rows = try await connection.query(
            WorkSQL.claim, [functions, limit, owner, lease.postgresInterval, queue])
        return try rows.map(ClaimedTask.init(row:))
    }

    /// Records a task's outcome, removes it from the queue and queues the next chain link,
    /// in one transaction: `complete(_:owner:functions:lease:on:)` for one task, its events
    /// sent once it has committed. The caller calls the task's hook, if it has one.
    /// - Returns: false when `owner` no longer holds the lease; nothing was recorded.
    @discardableResult
    package func complete(
        _ task: ClaimedTask, outcome: TaskOutcome, owner: String, on connection: Connection
    ) async throws -> Bool {
        let batch = try await complete(
            [(task, outcome)], owner: owner, functions: [], queues: [], lease: .seconds(30), on: connection)
        // The outcome is recorded: events that cannot be sent now cost waiters time, not work.
        if let events = batch.events { try? await announce(events, on: connection) }
        return batch.lost.isEmpty
    }

    /// Of these tasks, the ones deleted unfinished (`deleteGroup(id, tasks: true)`): neither
    /// queued nor recorded. A lost lease whose task is among them was no lease lost.
    package func vanished(_ ids: [UUID], on connection: Connection) async throws -> Set<UUID> {
        Set(try await connection.query(WorkSQL.vanished, [ids]).map { try $0.decode(0, as: UUID.self) })
    }

    /// Hands a leased task back to the queue unrun (its worker is stopping).
    @discardableResult
    package func release(_ task: ClaimedTask, owner: String, on connection: Connection) async throws -> Bool {
        try await connection.query(WorkSQL.release, [task.id, owner])[0].decode(0)
    }

    /// Marks a cluster alive in `baton.clusters` (registering it) and extends by `lease` the
    /// leases of the tasks in `held` that it still owns: the work alive in it. A task it
    /// leaves out keeps no lease and is rescued once that runs out.
    /// `finished` (tasks recorded so far), `residentBytes` (its memory) and `queues` (the
    /// queues it serves with the workers of each; nil: all on `default`) are what `baton info`
    /// shows of it.
    /// - Returns: the tasks whose leases were extended (of `held`, those it still owns).
    @discardableResult
    package func heartbeat(
        cluster name: String, workers: Int, functions: [String], lease: Duration, held: [UUID],
        finished: Int = 0, residentBytes: Int? = nil, queues: [String: Int]? = nil, on connection: Connection
    ) async throws -> [UUID] {
        let queueText = try queues.map { try JSONValue.object($0.mapValues { .int($0) }).jsonText() }
        return try await connection.query(
            WorkSQL.heartbeat, [name, workers, functions, lease.postgresInterval, held, finished, residentBytes, queueText]
        ).map { try $0.decode(0) }
    }

    /// Puts tasks whose lease expired back in the queue (or fails them after their 5th lost
    /// lease), one transaction each. At most one process rescues at a time (a lock held for
    /// one transaction, so it works behind a transaction pooler); the others return at once.
    /// - Returns: the ids of the tasks rescued.
    @discardableResult
    package func rescueExpiredLeases(on connection: Connection) async throws -> [UUID] {
        var rescued: [UUID] = []
        while let id = try await connection.query(WorkSQL.rescue)[0].decode(0, as: UUID?.self) { rescued.append(id) }
        return rescued
    }

    /// Deletes expired cached results and forgets clusters silent for three of their leases.
    /// - Returns: the names of the clusters forgotten.
    @discardableResult
    package func pruneExpired(on connection: Connection) async throws -> [String] {
        try await connection.query(WorkSQL.prune).map { try $0.decode(0) }
    }

    /// How long until the earliest queued task of these functions in `queue` may run, by the
    /// database's clock (zero or less: one may run now); nil when none is queued.
    package func nextDue(
        functions: [String], queue: String = QueueName.default, on connection: Connection
    ) async throws -> Duration? {
        try await connection.query(WorkSQL.nextDue, [functions, queue])[0].decode(0, as: Double?.self)
            .map { .seconds($0) }
    }

    /// Marks a cluster whose claim came up short as waiting for work, so that the next
    /// enqueue by SQL notifies (baton.await_work); when the mark is new, waits for the
    /// enqueuers that were committing without having seen it (baton.await_enqueuers).
    /// - Returns: whether to claim once more before sleeping: the mark is new, and tasks
    ///   committed since the claim sent no notification.
    package func awaitWork(cluster name: String, on connection: Connection) async throws -> Bool {
        guard try await connection.query(WorkSQL.awaitWork, [name])[0].decode(0, as: Bool.self) else { return false }
        _ = try await connection.query(WorkSQL.awaitEnqueuers, [name])
        return true
    }

    /// Removes a stopping cluster from `baton.clusters`.
    package func unregister(cluster name: String, on connection: Connection) async throws {
        _ = try await connection.query(WorkSQL.unregister, [name])
    }

    /// A signal fired when tasks were cancelled (NOTIFY `cancelled ...`), for a cluster to look
    /// which of its running tasks it no longer holds (`notHeld`).
    package func cancellations() async throws -> WorkSubscription {
        let hub = broker.hub
        let (token, signal) = try await hub.subscribe(wantsCancels: true)
        return WorkSubscription(signal: signal, cancel: { [hub] in hub.unsubscribe(token) })
    }

    /// Of these tasks, the ones `owner` no longer holds a lease on: cancelled, deleted, or
    /// rescued for another worker (tasks primary key).
    package func notHeld(_ ids: [UUID], owner: String, on connection: Connection) async throws -> [UUID] {
        try await connection.query(WorkSQL.notHeld, [ids, owner]).map { try $0.decode(0) }
    }

    /// A signal fired whenever work is queued (NOTIFY), for an idle worker to sleep on.
    package func wakeups() async throws -> WorkSubscription {
        let hub = broker.hub
        let (token, signal) = try await hub.subscribe(wantsWork: true)
        return WorkSubscription(signal: signal, cancel: { [hub] in hub.unsubscribe(token) })
    }
}

extension Broker {
    /// The worker protocol: claims, completions, leases, rescues, wake-ups.
    package var worker: WorkerCalls { WorkerCalls(broker: self) }

    /// A result as JSON text; a value JSON cannot hold (NaN) is stored as its text.
    static func storable(_ value: JSONValue) throws -> String {
        do { return try value.jsonText() } catch { return try JSONValue.string(value.description).jsonText() }
    }
}
