/// What `baton info` reads.
enum InfoSQL {
    /// Unfinished tasks by function and state (a scan of the small queue table).
    static let tasks = """
        SELECT func, count(*) FILTER (WHERE state = 'waiting') AS waiting,
               count(*) FILTER (WHERE state = 'queued') AS queued,
               count(*) FILTER (WHERE state = 'running') AS running
        FROM baton.tasks GROUP BY func ORDER BY func
        """
    /// The last hour's results and failures (results_stopped_at).
    static let lastHour = """
        SELECT count(*) FILTER (WHERE worker IS NOT NULL) AS results,
               count(*) FILTER (WHERE NOT success AND worker IS NOT NULL) AS failures,
               count(*) FILTER (WHERE worker IS NULL) AS cancelled
        FROM baton.all_results WHERE stopped_at > now() - interval '1 hour'
        """
}
