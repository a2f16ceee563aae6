/// What `baton info` reads.
enum InfoSQL {
    /// Unfinished tasks by function and state (a scan of the small queue table).
    static let tasks = """
        SELECT func, count(*) FILTER (WHERE state = 'waiting') AS waiting,
               count(*) FILTER (WHERE state = 'queued') AS queued,
               count(*) FILTER (WHERE state = 'running') AS running
        FROM baton.tasks GROUP BY func ORDER BY func
        """
    /// Clusters and how many tasks each runs; alive when seen within 30 s (clusters, tasks_lease_expiry).
    static let clusters = """
        SELECT c.name, c.workers, round(extract(epoch FROM now() - c.seen_at)::numeric, 1)::float8 AS seen_ago,
               c.finished, c.rss_bytes, round(extract(epoch FROM now() - c.started_at)::numeric, 1)::float8 AS uptime,
               c.seen_at > now() - interval '30 seconds' AS alive, c.queues::text AS queues,
               (SELECT count(*) FROM baton.tasks t WHERE t.state = 'running' AND t.lease_owner = c.name) AS running
        FROM baton.clusters AS c ORDER BY c.name
        """
    /// The last hour's results and failures (results_stopped_at).
    static let lastHour = """
        SELECT count(*) FILTER (WHERE worker IS NOT NULL) AS results,
               count(*) FILTER (WHERE NOT success AND worker IS NOT NULL) AS failures,
               count(*) FILTER (WHERE worker IS NULL) AS cancelled
        FROM baton.all_results WHERE stopped_at > now() - interval '1 hour'
        """
}
