/// A chain's progress (Chain).
enum ChainSQL {
    /// The lowest position still in the queue, or the length (tasks_group_position).
    static let current = """
        SELECT coalesce(min(chain_position), $2::integer) AS position
        FROM baton.tasks WHERE group_id = $1 AND state IN ('queued', 'running')
        """
}
