/// Enqueueing many tasks at once (Broker+Bulk): COPY into the queue and the groups.
enum BulkSQL {
    /// Asks tasks_wake to wake the waiting clusters when the transaction commits.
    static let wakeAtCommit = "SELECT set_config('baton.wake', 'on', true)"
    /// Joins (or creates) a group of tasks; raises for a chain (groups primary key).
    static let joinGroup = "SELECT baton.join_group($1, 'asyncTasks')"
    /// When the tasks may first run: at $1, after $2 by the database's clock, else now.
    static let startTime = "SELECT coalesce($1::timestamptz, now() + $2::interval, now())::text"
    /// Whether no row policy binds this role on the queue (the owner's is not).
    static let mayCopy = "SELECT NOT row_security_active('baton.tasks')"
    /// The rows COPY would write, as one INSERT that row policies check (tasks primary key);
    /// every one carries trace context $5.
    static let insertTasks = """
        INSERT INTO baton.tasks (id, name, func, args, kwargs, priority, max_attempts, retry_delay, timeout, hook, save,
                                 queue, group_id, cache_ttl, run_at, trace)
        SELECT t.id, t.name, t.func, t.args, t.kwargs, t.priority, t.max_attempts, t.retry_delay, t.timeout, t.hook,
               t.save, t.queue, $2, $3::interval, $4::timestamptz, $5::jsonb
        FROM jsonb_to_recordset($1::jsonb)
             AS t (id uuid, name text, func text, args jsonb, kwargs jsonb, priority smallint, max_attempts integer,
                   retry_delay interval, timeout interval, hook text, save boolean, queue text)
        """
    /// Writes tasks straight into the queue (their checks still apply).
    static let copyTasks = """
        COPY baton.tasks (id, name, func, args, kwargs, priority, max_attempts, retry_delay, timeout, hook, save,
                          queue, group_id, cache_ttl, run_at, trace)
        FROM STDIN
        """
}
