import LibPQ

/// The statements of /metrics.
enum MetricsSQL {
    /// The cluster-wide samples (baton.metrics: two scans of the small baton.tasks).
    static let clusterWide = PreparedStatement(name: "baton_metrics", sql: """
        SELECT metric, queue, func, state, value FROM baton.metrics()
        """)
}
