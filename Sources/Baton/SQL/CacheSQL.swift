/// The result cache (Broker+Cache): deleting cached results.
enum CacheSQL {
    /// One cached result (primary key).
    static let deleteTask = """
        WITH gone AS (DELETE FROM baton.cached_results WHERE id = $1 RETURNING 1) SELECT count(*) AS count FROM gone
        """
    /// A group's cached results (cached_results_group).
    static let deleteGroup = """
        WITH gone AS (DELETE FROM baton.cached_results WHERE group_id = $1 RETURNING 1) SELECT count(*) AS count FROM gone
        """
}
