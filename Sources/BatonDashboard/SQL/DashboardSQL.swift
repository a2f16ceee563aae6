/// The dashboard's statements. Unprepared: each is planned with its values, so that a filter
/// left out (`$n IS NULL`) costs nothing and a partial index serves the one given.
enum DashboardSQL {
    /// How many of the newest results the overview's chart counts at most, and of the newest
    /// failures its failure counts: its cost stays bounded however busy the queue (at 15,000
    /// tasks a second an hour is 54 million results).
    static let recentResults = 50_000
    static let recentFailures = 10_000

    /// Unfinished tasks by queue, function and state (baton.task_counts: a scan of the small
    /// baton.tasks), with the failures of the last hour of each among the newest $1 failures
    /// (results_failed, backwards).
    static let overviewRows = """
        WITH counts AS (
            SELECT queue, func,
                   sum(tasks) FILTER (WHERE state = 'queued') AS queued, sum(tasks) FILTER (WHERE state = 'delayed') AS delayed,
                   sum(tasks) FILTER (WHERE state = 'running') AS running, sum(tasks) FILTER (WHERE state = 'waiting') AS waiting,
                   bool_and(served) AS served
            FROM baton.task_counts GROUP BY queue, func
        ), recent AS (
            SELECT queue, func, stopped_at FROM baton.results
            WHERE NOT success AND NOT cancelled ORDER BY id DESC LIMIT $1
        ), failed AS (
            SELECT queue, func, count(*) AS failed FROM recent
            WHERE stopped_at > now() - interval '1 hour' GROUP BY queue, func
        )
        SELECT coalesce(c.queue, f.queue) AS queue, coalesce(c.func, f.func) AS func,
               coalesce(c.queued, 0)::bigint AS queued, coalesce(c.delayed, 0)::bigint AS delayed,
               coalesce(c.running, 0)::bigint AS running, coalesce(c.waiting, 0)::bigint AS waiting,
               coalesce(f.failed, 0)::bigint AS failed, coalesce(c.served, true) AS served
        FROM counts AS c FULL JOIN failed AS f ON f.queue = c.queue AND f.func = c.func
        ORDER BY 1, 2 LIMIT 500
        """

    /// The newest $1 results (primary key, backwards) that stopped in the last hour, per
    /// minute (its start, in seconds since 1970), succeeded and failed (cancelled ones are
    /// neither), with how far back they reach and the database's clock.
    static let lastHour = """
        WITH recent AS (
            SELECT stopped_at, success, cancelled FROM baton.results ORDER BY id DESC LIMIT $1
        )
        SELECT extract(epoch FROM date_trunc('minute', stopped_at))::float8 AS minute,
               count(*) FILTER (WHERE success) AS succeeded, count(*) FILTER (WHERE NOT success AND NOT cancelled) AS failed,
               (SELECT count(*) FROM recent) AS sampled,
               (SELECT extract(epoch FROM now() - min(stopped_at))::float8 FROM recent) AS reach_seconds,
               extract(epoch FROM now())::float8 AS read_at
        FROM recent WHERE stopped_at > now() - interval '1 hour' GROUP BY date_trunc('minute', stopped_at)
        """

    /// Clusters seen within three leases.
    static let clustersAlive = "SELECT count(*) FROM baton.clusters WHERE seen_at > now() - 3 * lease"

    /// Tasks newest first (ids are time-ordered), unfinished and finished together, a page
    /// after the cursor $1: each table by its primary key backwards, failures by results_failed,
    /// a group by tasks_group and results_group, a name by results_name.
    /// $2 queue, $3 function, $4 group, $5 search text, $6 search as an id, $7 rows,
    /// $8 unfinished states wanted, $9 finished states wanted, $10 only failures.
    static let tasks = """
        SELECT * FROM (
            (SELECT t.id, t.name, t.func, t.queue, s.state, t.group_id, t.attempts, t.enqueued_at,
                    NULL::timestamptz AS stopped_at, NULL::text AS error
             FROM baton.tasks AS t
             CROSS JOIN LATERAL (SELECT CASE WHEN t.state = 'queued' AND t.run_at > now() THEN 'delayed'
                                             ELSE t.state END AS state) AS s
             WHERE cardinality($8::text[]) > 0 AND s.state = ANY ($8::text[])
               AND ($1::uuid IS NULL OR t.id < $1::uuid) AND ($2::text IS NULL OR t.queue = $2::text)
               AND ($3::text IS NULL OR t.func = $3::text) AND ($4::text IS NULL OR t.group_id = $4::text)
               AND ($5::text IS NULL OR t.id = $6::uuid OR t.name = $5::text OR t.group_id = $5::text)
             ORDER BY t.id DESC LIMIT $7)
            UNION ALL
            (SELECT r.id, r.name, r.func, r.queue,
                    CASE WHEN r.success THEN 'succeeded' WHEN r.cancelled THEN 'cancelled' ELSE 'failed' END,
                    r.group_id, r.attempts, r.enqueued_at, r.stopped_at, r.error
             FROM baton.results AS r
             WHERE cardinality($9::text[]) > 0 AND (NOT $10::boolean OR NOT r.success)
               AND (CASE WHEN r.success THEN 'succeeded' WHEN r.cancelled THEN 'cancelled' ELSE 'failed' END) = ANY ($9::text[])
               AND ($1::uuid IS NULL OR r.id < $1::uuid) AND ($2::text IS NULL OR r.queue = $2::text)
               AND ($3::text IS NULL OR r.func = $3::text) AND ($4::text IS NULL OR r.group_id = $4::text)
               AND ($5::text IS NULL OR r.id = $6::uuid OR (r.name = $5::text AND r.name <> r.func)
                    OR r.group_id = $5::text)
             ORDER BY r.id DESC LIMIT $7)
        ) AS listed
        ORDER BY id DESC LIMIT $7
        """

    /// One unfinished task (tasks primary key).
    static let unfinishedTask = """
        SELECT t.id, t.name, t.func, t.queue, jsonb_pretty(t.args) AS args, jsonb_pretty(t.kwargs) AS kwargs, t.group_id,
               t.chain_position, t.attempts, t.max_attempts, t.lease_owner AS worker, t.enqueued_at, t.run_at,
               t.started_at, t.errors,
               CASE WHEN t.state = 'queued' AND t.run_at > now() THEN 'delayed' ELSE t.state END AS state,
               (SELECT g.kind FROM baton.groups AS g WHERE g.id = t.group_id) AS group_kind
        FROM baton.tasks AS t WHERE t.id = $1
        """

    /// One finished task (results primary key).
    static let finishedTask = """
        SELECT r.id, r.name, r.func, r.queue, jsonb_pretty(r.args) AS args, jsonb_pretty(r.kwargs) AS kwargs, r.group_id,
               r.chain_position, r.attempts, r.worker, r.enqueued_at, r.started_at, r.stopped_at, r.errors,
               jsonb_pretty(r.result) AS result, r.error,
               CASE WHEN r.success THEN 'succeeded' WHEN r.cancelled THEN 'cancelled' ELSE 'failed' END AS state,
               (SELECT g.kind FROM baton.groups AS g WHERE g.id = r.group_id) AS group_kind
        FROM baton.results AS r WHERE r.id = $1
        """

    /// Chains and groups newest first, a page before the cursor ($1 created_at as text, $2 id),
    /// with their recorded results counted (groups_created, results_group).
    static let groups = """
        SELECT g.id, g.kind, g.length, g.created_at, g.created_at::text AS cursor, g.finished_at,
               counts.done, counts.failed
        FROM baton.groups AS g
        CROSS JOIN LATERAL (SELECT count(*) AS done, count(*) FILTER (WHERE NOT r.success) AS failed
                            FROM baton.results AS r WHERE r.group_id = g.id) AS counts
        WHERE $1::timestamptz IS NULL OR (g.created_at, g.id) < ($1::timestamptz, $2::text)
        ORDER BY g.created_at DESC, g.id DESC LIMIT $3
        """

    /// One group (groups primary key) and its counts (results_group, tasks_group).
    static let group = """
        SELECT g.id, g.kind, g.length, g.created_at, g.finished_at,
               (SELECT count(*) FROM baton.results AS r WHERE r.group_id = g.id) AS done,
               (SELECT count(*) FROM baton.results AS r WHERE r.group_id = g.id AND NOT r.success) AS failed,
               (SELECT count(*) FROM baton.tasks AS t WHERE t.group_id = g.id) AS unfinished
        FROM baton.groups AS g WHERE g.id = $1
        """

    /// A group's tasks, finished and not, in chain order, then by id (results_group, tasks_group).
    static let groupTasks = """
        SELECT * FROM (
            SELECT r.id, r.func, r.chain_position,
                   CASE WHEN r.success THEN 'succeeded' WHEN r.cancelled THEN 'cancelled' ELSE 'failed' END AS state,
                   r.stopped_at, r.error
            FROM baton.results AS r WHERE r.group_id = $1
            UNION ALL
            SELECT t.id, t.func, t.chain_position,
                   CASE WHEN t.state = 'queued' AND t.run_at > now() THEN 'delayed' ELSE t.state END, NULL, NULL
            FROM baton.tasks AS t WHERE t.group_id = $1
        ) AS members
        ORDER BY chain_position NULLS LAST, id LIMIT 1000
        """

    /// Results to delete by id, with their group's (results primary key).
    static let deleteResults = "DELETE FROM baton.results WHERE id = ANY ($1::uuid[])"
}
