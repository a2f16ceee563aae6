import Baton

/// The baselines' statements (Baseline): the work Baton does, written without Baton's code,
/// on `table`, a copy of baton.tasks' shape (its claim order index, tasks_queue_claim_order's
/// twin, whose first column is the queue: a claim that names none sorts the whole table),
/// and `results`, one of baton.results'.
enum BaselineSQL {
    static let table = "bench_baseline"
    static let results = "bench_baseline_results"

    /// The table, new (a failed run may have left one).
    static let createTable = """
        DROP TABLE IF EXISTS \(table);
        CREATE TABLE \(table) (LIKE baton.tasks INCLUDING ALL)
        """
    static let dropTable = "DROP TABLE \(table)"
    /// The results table, new.
    static let createResults = """
        DROP TABLE IF EXISTS \(results);
        CREATE TABLE \(results) (LIKE baton.results INCLUDING ALL)
        """
    static let dropResults = "DROP TABLE \(results)"
    /// $1 queued rows, at once.
    static let fill = """
        INSERT INTO \(table) (id, name, func) SELECT baton.new_id(), 'baton.echo', 'baton.echo'
        FROM generate_series(1, $1::integer)
        """
    static let vacuum = "VACUUM ANALYZE \(table)"
    /// One row (primary key, the claim order index).
    static let insert = PreparedStatement(name: "bench_insert", sql: """
        INSERT INTO \(table) (id, name, func, args, kwargs)
        VALUES (baton.new_id(), $1::text, $1::text, $2::jsonb, $3::jsonb)
        """)
    /// Rows as COPY sends them.
    static let copy = "COPY \(table) (id, name, func, args, kwargs) FROM STDIN"
    /// Locks the next $1 queued rows (the claim order index).
    static let claim = PreparedStatement(name: "bench_claim", sql: """
        SELECT id FROM \(table) WHERE queue = 'default' AND state = 'queued' ORDER BY priority DESC, run_at, id
        LIMIT $1::integer FOR UPDATE SKIP LOCKED
        """)
    /// Deletes claimed rows (primary key).
    static let complete = PreparedStatement(name: "bench_complete", sql: "DELETE FROM \(table) WHERE id = ANY ($1::uuid[])")
    /// Leases the next $1 queued rows, as baton.claim_tasks does (the claim order index).
    static let lease = PreparedStatement(name: "bench_lease", sql: """
        UPDATE \(table) AS t
        SET state = 'running', attempts = t.attempts + 1, lease_owner = 'bench',
            lease_expires_at = now() + interval '1 minute', started_at = now()
        WHERE set_config('synchronous_commit', 'off', true) = 'off' AND t.id IN (
            SELECT id FROM \(table) WHERE queue = 'default' AND state = 'queued' ORDER BY priority DESC, run_at, id
            LIMIT $1::integer FOR UPDATE SKIP LOCKED)
        RETURNING t.id
        """)
    /// Deletes leased rows and records their results, as baton.complete_tasks does (primary keys).
    static let record = PreparedStatement(name: "bench_record", sql: """
        WITH gone AS (DELETE FROM \(table) WHERE id = ANY ($1::uuid[]) RETURNING *)
        INSERT INTO \(results) (id, name, func, args, kwargs, result, success, attempts, worker,
                                enqueued_at, started_at)
        SELECT id, name, func, args, kwargs, 'null', true, attempts, lease_owner, enqueued_at,
               started_at
        FROM gone
        """)
    /// Claims and deletes $1 rows in one statement (the claim order index).
    static let claimAndDelete = PreparedStatement(name: "bench_claim_delete", sql: """
        DELETE FROM \(table) WHERE id IN (
            SELECT id FROM \(table) WHERE queue = 'default' AND state = 'queued' ORDER BY priority DESC, run_at, id
            LIMIT $1::integer FOR UPDATE SKIP LOCKED)
        """)
}
