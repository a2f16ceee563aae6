import Foundation
import LibPQ

/// What workers do with the queue: claim tasks under a lease, and complete them.
extension Broker {
    /// Claims up to `limit` queued tasks of these functions for `owner`, committing the lease at once.
    public func claim(
        functions: [String], limit: Int, owner: String, lease: Duration, on connection: Connection
    ) async throws -> [ClaimedTask] {
        let rows = try await connection.query(
            WorkSQL.claim, [functions, limit, owner, Caching.expiring(after: lease).interval])
        return try rows.map(ClaimedTask.init(row:))
    }

    /// Records a task's outcome, removes it from the queue and releases the next chain link,
    /// in one transaction (`baton.complete_task`).
    /// - Returns: false when `owner` no longer holds the lease; nothing was recorded.
    @discardableResult
    public func complete(
        _ task: ClaimedTask, outcome: TaskOutcome, owner: String, on connection: Connection
    ) async throws -> Bool {
        let (success, result, error): (Bool, String?, String?) = switch outcome {
        case .success(let value): (true, try Self.storable(value), nil)
        case .failure(let message): (false, nil, message)
        }
        return try await connection.query(WorkSQL.complete, [task.id, owner, success, result, error])[0].decode(0)
    }

    /// Hands a leased task back to the queue unrun (its worker is stopping).
    @discardableResult
    public func release(_ task: ClaimedTask, owner: String, on connection: Connection) async throws -> Bool {
        try await connection.query(WorkSQL.release, [task.id, owner])[0].decode(0)
    }

    /// Marks a cluster alive in `baton.clusters` (registering it) and prunes expired cached results.
    public func heartbeat(cluster name: String, workers: Int, functions: [String], on connection: Connection) async throws {
        _ = try await connection.query(WorkSQL.heartbeat, [name, workers, functions])
    }

    /// Removes a stopping cluster from `baton.clusters`.
    public func unregister(cluster name: String, on connection: Connection) async throws {
        _ = try await connection.query(WorkSQL.unregister, [name])
    }

    /// A signal fired whenever work is queued (NOTIFY), for an idle worker to sleep on.
    public func wakeups() async throws -> WorkSubscription {
        let (token, signal) = try await hub.subscribe(wantsWork: true)
        return WorkSubscription(signal: signal, cancel: { [hub] in hub.unsubscribe(token) })
    }

    /// A result as JSON text; a value JSON cannot hold (NaN) is stored as its text.
    private static func storable(_ value: JSONValue) throws -> String {
        do { return try value.jsonText() } catch { return try JSONValue.string(value.description).jsonText() }
    }

    /// Runs a task, or a chain link after link, in this process: `sync: true`.
    func runInline(taskID: UUID? = nil, groupID: String? = nil) async throws {
        let owner = WorkerIdentity.current.name + ":sync"
        try await pool.withConnection { connection in
            while let id = try await connection.query(WorkSQL.nextInline, [taskID, groupID]).first {
                let claimed = try await connection.query(
                    WorkSQL.claimByID, [try id.decode("id", as: UUID.self), owner, "1 hour"])
                guard let row = claimed.first else { continue }
                let task = try ClaimedTask(row: row)
                try await complete(task, outcome: await registry.execute(task), owner: owner, on: connection)
            }
        }
    }
}

enum WorkSQL {
    /// Claims the next queued tasks of the given functions (baton.claim_tasks; tasks_claim_order).
    static let claim = PreparedStatement(
        name: "baton_claim",
        sql: "SELECT id, func, args::text, kwargs::text, group_id, chain_position, attempts "
            + "FROM baton.claim_tasks($1::text[], $2::integer, $3, $4::interval)")
    /// Completes one task (baton.complete_task; primary key, tasks_chain_link).
    static let complete = PreparedStatement(
        name: "baton_complete",
        sql: "SELECT baton.complete_task($1::uuid, $2, $3::boolean, $4::jsonb, $5)")
    /// A cluster's heartbeat (clusters primary key, cached_results_expiry).
    static let heartbeat = "SELECT baton.cluster_heartbeat($1, $2::integer, $3::text[])"
    /// A cluster leaves (clusters primary key).
    static let unregister = "DELETE FROM baton.clusters WHERE name = $1"
    /// Hands a task back unrun (primary key).
    static let release = "SELECT baton.release_task($1::uuid, $2)"
    /// The next queued task of one task or one chain, for sync runs (primary key or tasks_chain_link).
    static let nextInline = """
        SELECT id FROM baton.tasks
        WHERE state = 'queued' AND (id = $1::uuid OR group_id = $2)
        ORDER BY chain_position NULLS FIRST LIMIT 1
        """
    /// Claims one task by id (primary key).
    static let claimByID = """
        UPDATE baton.tasks SET state = 'running', attempts = attempts + 1, lease_owner = $2,
            lease_expires_at = now() + $3::interval, started_at = now()
        WHERE id = $1 AND state = 'queued'
        RETURNING id, func, args::text, kwargs::text, group_id, chain_position, attempts
        """
}

/// An idle worker's subscription to new work; `cancel()` ends it.
public struct WorkSubscription: Sendable {
    public let signal: Signal
    public let cancel: @Sendable () -> Void
}

/// Who this process is, in `baton.results.worker` and lease owners: `host:pid`.
public struct WorkerIdentity: Sendable {
    public let name: String

    public static let current = WorkerIdentity(
        name: "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)")
}
