import LibPQ

/// Reading results and groups (Broker+Results).
enum ResultSQL {
    /// One finished task (results and cached_results primary keys, through baton.all_results).
    /// Prepared: a waiter runs it each time it is woken.
    static let task = PreparedStatement(
        name: "baton_result",
        sql: "SELECT \(TaskRecord.columns) FROM baton.all_results WHERE id = $1 AND (cached OR NOT $2::boolean)")
    /// A group's results in chain order (results_group, cached_results_group).
    static let group = PreparedStatement(name: "baton_result_group", sql: """
        SELECT \(TaskRecord.columns) FROM baton.all_results WHERE group_id = $1 AND (cached OR NOT $2::boolean)
        ORDER BY chain_position NULLS LAST, stopped_at, id
        """)
    /// The latest finished task of a name (results_name, cached_results_name).
    static let named = PreparedStatement(name: "baton_result_named", sql: """
        SELECT \(TaskRecord.columns) FROM baton.all_results WHERE name = $1 AND name <> func
        ORDER BY stopped_at DESC LIMIT 1
        """)
    /// A queued or running task of a name, to wait on its id (reads the queue: only while waiting).
    static let queuedNamed = """
        SELECT id FROM baton.tasks WHERE name = $1 AND name <> func ORDER BY enqueued_at DESC LIMIT 1
        """
    /// The length a chain expects (groups primary key).
    static let groupLength = "SELECT length FROM baton.groups WHERE id = $1"
    /// How many results a group has, failures only or cached only when asked (results_group,
    /// cached_results_group).
    static let count = """
        SELECT count(*) AS count FROM baton.all_results
        WHERE group_id = $1 AND (NOT $2::boolean OR NOT success) AND (cached OR NOT $3::boolean)
        """
    /// A group's results leave it; the group's row goes once it has no unfinished task
    /// (results_group, cached_results_group, tasks_group_position).
    static let ungroupResults = """
        WITH stored AS (
            UPDATE baton.results SET group_id = NULL, chain_position = NULL WHERE group_id = $1 RETURNING 1
        ), cached AS (
            UPDATE baton.cached_results SET group_id = NULL, chain_position = NULL WHERE group_id = $1 RETURNING 1
        ), emptied AS (
            DELETE FROM baton.groups AS g WHERE g.id = $1 AND NOT EXISTS (SELECT 1 FROM baton.tasks WHERE group_id = $1)
        )
        SELECT (SELECT count(*) FROM stored) + (SELECT count(*) FROM cached) AS count
        """
    /// A group, its results and (through the foreign key) its unfinished tasks; its waiters
    /// are told (results_group; groups primary key).
    static let deleteGroupAndTasks = """
        WITH stored AS (DELETE FROM baton.results WHERE group_id = $1 RETURNING 1),
             cached AS (DELETE FROM baton.cached_results WHERE group_id = $1 RETURNING 1),
             gone AS (DELETE FROM baton.groups WHERE id = $1 RETURNING 1)
        SELECT (SELECT count(*) FROM stored) + (SELECT count(*) FROM cached) AS count,
               pg_notify('baton', CASE WHEN octet_length($1) > 7900 OR strpos($1, E'\n') > 0 THEN 'all'
                                       ELSE 'done - ' || $1 END) AS notified
        """
    /// A group's result count, whether the group exists, and whether it has finished (a chain
    /// or an iter) (results_group; groups primary key).
    static let progress = """
        SELECT (SELECT count(*) FROM baton.all_results WHERE group_id = $1 AND (cached OR NOT $2::boolean)) AS count,
               EXISTS (SELECT 1 FROM baton.groups WHERE id = $1) AS present,
               EXISTS (SELECT 1 FROM baton.groups WHERE id = $1 AND finished_at IS NOT NULL) AS finished
        """
    /// Whether a task is still in the queue (primary key).
    static let queued = "SELECT 1 FROM baton.tasks WHERE id = $1::uuid"
    /// Queued tasks (tasks_queue_claim_order, every queue).
    static let queueSize = "SELECT count(*) AS count FROM baton.tasks WHERE state = 'queued'"
}
