import LibPQ

/// The statements of the worker calls (claims, heartbeats, rescues, wake-ups), each with the
/// index it relies on.
enum WorkSQL {
    /// Claims the next queued tasks of the given functions in queue $5 (baton.claim_tasks;
    /// tasks_queue_claim_order, the queues primary key).
    static let claim = PreparedStatement(
        name: "baton_claim",
        sql: "SELECT \(ClaimedTask.columns) FROM baton.claim_tasks($1::text[], $2::integer, $3, $4::interval, $5)")
    /// A cluster's heartbeat: alive, the leases it holds extended, those returned (clusters and tasks primary keys).
    static let heartbeat = PreparedStatement(
        name: "baton_heartbeat",
        sql: """
            SELECT baton.heartbeat($1, $2::integer, $3::text[], $4::interval, $5::uuid[], $6::bigint, $7::bigint,
                                   $8::jsonb)
            """)
    /// Expired cached results and silent clusters removed (cached_results_expiry; clusters scanned, a few rows).
    static let prune = "SELECT baton.prune_expired()"
    /// A cluster leaves (baton.leave_cluster; clusters primary key).
    static let unregister = "SELECT baton.leave_cluster($1)"
    /// Rescues one task whose lease expired (tasks_lease_expiry).
    static let rescue = "SELECT baton.rescue_expired_task()"
    /// Seconds from now until the earliest run_at among queued tasks of these functions in
    /// queue $2 (baton.next_due; tasks_queue_claim_order). The database's clock, not the
    /// worker's, decides what a claim takes.
    static let nextDue = PreparedStatement(name: "baton_next_due", sql: "SELECT baton.next_due($1::text[], $2)")
    /// A cluster waits for work (baton.await_work; waiting_clusters, a few rows).
    static let awaitWork = PreparedStatement(name: "baton_await_work", sql: "SELECT baton.await_work($1)")
    /// Waits for the enqueuers committing as a cluster began to wait (baton.await_enqueuers; pg_locks).
    static let awaitEnqueuers = PreparedStatement(
        name: "baton_await_enqueuers", sql: "SELECT baton.await_enqueuers($1)")
    /// Tasks neither queued nor recorded (baton.vanished_tasks; primary keys).
    static let vanished = "SELECT baton.vanished_tasks($1::uuid[])"
    /// Of tasks $1, those owner $2 holds no lease on any more (primary key).
    static let notHeld = """
        SELECT i FROM unnest($1::uuid[]) AS i
        WHERE NOT EXISTS (SELECT 1 FROM baton.tasks AS t WHERE t.id = i AND t.lease_owner = $2
                          AND t.lease_expires_at IS NOT NULL)
        """
    /// Hands a task back unrun (primary key).
    static let release = "SELECT baton.release_task($1::uuid, $2)"
}
