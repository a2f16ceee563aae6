import LibPQ

/// The statements of /metrics.
enum MetricsSQL {
    /// The cluster-wide samples, read at most once per $1 by every process together
    /// (baton.shared_metrics, over baton.metrics: two scans of the small baton.tasks), with
    /// the reading's age in seconds.
    static let clusterWide = PreparedStatement(name: "baton_metrics", sql: """
        SELECT metric, queue, func, state, value, age FROM baton.shared_metrics($1::interval)
        """)
}
