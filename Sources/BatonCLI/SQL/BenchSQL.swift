/// The bench's own statements around its workloads: filling, emptying and counting the queue,
/// the history, the cold and stale queues, the bench's databases.
enum BenchSQL {
    /// Tasks in the queue (a scan of the small queue table).
    static let queued = "SELECT count(*) FROM baton.tasks"
    /// Whether the queue holds any task (a scan that stops at the first row).
    static let anyQueued = "SELECT EXISTS (SELECT 1 FROM baton.tasks)"
    /// Whether $1 clusters have registered (clusters, a few rows).
    static let clustersRegistered = "SELECT count(*) >= $1 FROM baton.clusters"
    /// Whether a row is in `table`: a cluster registered, or waiting for work.
    static func anyRow(in table: String) -> String { "SELECT EXISTS (SELECT 1 FROM \(table))" }
    /// $1 no-op tasks queued at once.
    static let fill = """
        INSERT INTO baton.tasks (id, name, func) SELECT baton.new_id(), 'baton.echo', 'baton.echo'
        FROM generate_series(1, $1::integer)
        """
    static let vacuumQueue = "VACUUM ANALYZE baton.tasks"
    static let analyzeQueue = "ANALYZE baton.tasks"
    /// A queue as before autovacuum's first visit.
    static let autovacuumOff = "ALTER TABLE baton.tasks SET (autovacuum_enabled = off)"
    static let deleteQueue = "DELETE FROM baton.tasks"
    /// $1 tasks enqueued by SQL without a wake-up: the churn of a stale queue.
    static let enqueueSilently =
        "SELECT count(baton.async_task('baton.echo', notify => false)) FROM generate_series(1, $1::integer)"
    /// $1 tasks enqueued by SQL in one statement, as users burst work in.
    static let enqueueBySQL =
        "SELECT count(baton.async_task('baton.echo', jsonb_build_array(i))) FROM generate_series(1, $1::integer) AS i"
    /// Everything a run leaves, gone for the next.
    static let empty = emptyQueue + ", baton.results"
    /// The queue's tables emptied, the history kept (the queue table's dead rows would
    /// otherwise weigh on the next run's claims).
    static let emptyQueue = "TRUNCATE baton.tasks, baton.cached_results, baton.groups, baton.clusters, baton.waiting_clusters"
    /// Results $1 to $2 of a history of $3 (one in ten a chain link, one in a hundred named),
    /// their stop times over the last 30 days.
    static let history = """
        INSERT INTO baton.results (id, name, func, args, kwargs, result, success, group_id,
                                   chain_position, attempts, worker, enqueued_at, started_at,
                                   stopped_at)
        SELECT baton.new_id(), CASE WHEN i % 100 = 0 THEN 'report-' || i ELSE 'baton.echo' END,
               'baton.echo', jsonb_build_array(i), '{}', to_jsonb(i), true,
               CASE WHEN i % 10 = 0 THEN 'chain-' || (i / 100) END,
               CASE WHEN i % 10 = 0 THEN (i / 10) % 10 END, 1, 'bench:1',
               at - interval '2 ms', at - interval '1 ms', at
        FROM generate_series($1::bigint, $2::bigint) AS i,
             LATERAL (SELECT now() - interval '30 days' * (1 - i::double precision / $3) AS at) AS t
        """
    static let vacuumResults = "VACUUM ANALYZE baton.results"
    static let checkpoint = "CHECKPOINT"
    /// Each chain link's hand-off as recorded: ms from link n's stop to link n+1's (results_group).
    static let recordedHandOffs = """
        SELECT ms FROM (
            SELECT extract(epoch FROM stopped_at - lag(stopped_at) OVER (
                       PARTITION BY group_id ORDER BY chain_position)) * 1000 AS ms
            FROM baton.results WHERE group_id IS NOT NULL) AS gaps
        WHERE ms IS NOT NULL
        """
    /// The statistics so far, for `n_dead_tup`.
    static let flushStatistics = "SELECT pg_stat_force_next_flush()"
    static let deadTuples = "SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'baton.tasks'::regclass"
    static func createDatabase(_ name: String) -> String { "CREATE DATABASE \(name)" }
    static func dropDatabase(_ name: String) -> String { "DROP DATABASE \(name) WITH (FORCE)" }
}
