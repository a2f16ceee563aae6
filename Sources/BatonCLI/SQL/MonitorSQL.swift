/// What `baton monitor` reads besides the queues and clusters.
enum MonitorSQL {
    /// Results of the last minute per queue, finished and failed (results_stopped_at).
    static let rates = """
        SELECT queue, count(*) AS finished, count(*) FILTER (WHERE NOT success AND NOT cancelled) AS failed
        FROM baton.results WHERE stopped_at > now() - interval '1 minute' GROUP BY queue
        """
    /// The tasks running now, longest first (tasks_lease_expiry's rows: the running ones).
    static let running = """
        SELECT func, queue, coalesce(lease_owner, '') AS worker,
               extract(epoch FROM now() - started_at)::float8 AS seconds
        FROM baton.tasks WHERE state = 'running' ORDER BY started_at LIMIT 15
        """
    /// The latest failures (results_failed).
    static let failures = """
        SELECT func, queue, extract(epoch FROM now() - stopped_at)::float8 AS ago, coalesce(error, '') AS error
        FROM baton.results WHERE NOT success AND NOT cancelled ORDER BY id DESC LIMIT 8
        """
}
