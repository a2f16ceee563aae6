import LibPQ

/// The worker protocol's batch statements (WorkerCalls+Batches): a batch's completion, its
/// events, a hand-back.
enum BatchSQL {
    /// Completes a batch, next chain links leased when their queue is among $5 (baton.complete_tasks;
    /// primary key, tasks_group_position).
    static let complete = PreparedStatement(
        name: "baton_complete_batch",
        sql: "SELECT lost, \(ClaimedTask.columns(of: "task")), "
            + TaskRecord.columns(of: "hooked", prefix: "hooked_", cachedColumn: "hooked_cached")
            + ", events FROM baton.complete_tasks($1, $2::jsonb, $3::text[], $4::interval, notify => false, "
            + "queues => $5::text[])")
    /// Sends a batch's events, committing without a flush (no table).
    static let announce = PreparedStatement(
        name: "baton_announce", sql: "SELECT set_config('synchronous_commit', 'off', true), pg_notify('baton', $1)")
    /// Hands tasks back unrun (primary key).
    static let release = PreparedStatement(
        name: "baton_release_batch", sql: "SELECT baton.release_tasks($1::uuid[], $2)")
}
