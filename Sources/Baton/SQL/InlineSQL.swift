/// Running a task at once in the caller (`sync: true`, Broker+Inline) and recording it.
enum InlineSQL {
    /// Leases a queued task to the caller ($2), by id (primary key).
    static let holdTask = hold(where: "id = $1::uuid")
    /// Leases a chain's first link to the caller (tasks_group_position).
    static let holdFirstLink = hold(where: "group_id = $1 AND chain_position = 0")
    /// Leases a task queued again for a retry back to the caller, due at its backoff (primary key).
    static let holdRetry = hold(where: "id = $1::uuid")
    /// The functions and queues of a chain's links (tasks_group_position).
    static let chainFunctions = """
        SELECT coalesce(array_agg(DISTINCT func), '{}') AS functions, coalesce(array_agg(DISTINCT queue), '{}') AS queues
        FROM baton.tasks WHERE group_id = $1
        """

    private static func hold(where condition: String) -> String {
        """
        UPDATE baton.tasks SET state = 'running', attempts = attempts + 1, lease_owner = $2,
            lease_expires_at = greatest(run_at, now()) + $3::interval, started_at = greatest(run_at, now())
        WHERE \(condition) AND state = 'queued'
        RETURNING \(ClaimedTask.columns), run_at
        """
    }
}
