import LibPQ

/// The statements of /metrics.
enum MetricsSQL {
    /// The cluster-wide samples, read at most once per $1 by every process together
    /// (baton.shared_metrics, over baton.metrics: two scans of the small baton.tasks), with
    /// the reading's age in seconds.
    static let clusterWide = PreparedStatement(name: "baton_metrics", sql: """
        SELECT metric, queue, func, state, value, age FROM baton.shared_metrics($1::interval)
        """)

    /// The same read by this process alone: for a role granted baton.metrics() only, or a
    /// schema an earlier release migrated (before 0028).
    static let clusterWideAlone = PreparedStatement(name: "baton_metrics_alone", sql: """
        SELECT metric, queue, func, state, value, 0::float8 AS age FROM baton.metrics()
        """)
}
