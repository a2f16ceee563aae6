/// Steering and reading queues (Broker+Queues).
enum QueueSQL {
    /// Pauses, resumes or limits a queue (baton.steer_queue; queues primary key).
    static let steer = "SELECT (baton.steer_queue($1, $2::boolean, $3::integer, $4::boolean)).name"
    /// Every queue with work, a setting or a cluster (baton.queue_status: a scan of the small
    /// queue table, the queues and clusters tables).
    static let status = """
        SELECT queue, queued, delayed, running, waiting, paused, running_limit, clusters, workers,
               extract(epoch FROM now() - oldest_due)::float8 AS oldest_due_age
        FROM baton.queue_status ORDER BY queue
        """
    /// Tasks queued and due in one queue (tasks_queue_claim_order).
    static let size = """
        SELECT count(*) AS count FROM baton.tasks WHERE state = 'queued' AND queue = $1 AND run_at <= now()
        """
}
