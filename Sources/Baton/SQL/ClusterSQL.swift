/// What is read of the clusters.
enum ClusterSQL {
    /// Clusters and how many tasks each runs; alive when seen within 30 s (clusters, tasks_lease_expiry).
    static let status = """
        SELECT c.name, c.workers, round(extract(epoch FROM now() - c.seen_at)::numeric, 1)::float8 AS seen_ago,
               c.finished, c.rss_bytes, round(extract(epoch FROM now() - c.started_at)::numeric, 1)::float8 AS uptime,
               c.seen_at > now() - interval '30 seconds' AS alive, c.queues::text AS queues, c.functions,
               (SELECT count(*) FROM baton.tasks t WHERE t.state = 'running' AND t.lease_owner = c.name) AS running
        FROM baton.clusters AS c ORDER BY c.name
        """
}
