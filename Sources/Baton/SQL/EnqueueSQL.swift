import LibPQ

/// Enqueueing one task or chain (Broker+Enqueue), through the SQL API or a row of its own.
enum EnqueueSQL {
    /// Enqueues one task of a group, or with a unique key, through the SQL API (baton.async_task),
    /// in queue $13, due at $14 or after $15 by the database's clock, unique by $16 (for $17 after
    /// it finished), carrying trace context $18; $19, last as in every enqueue, says whether to notify.
    static let asyncTask = PreparedStatement(name: "baton_async_task", sql: """
        SELECT baton.async_task($1, $2::jsonb, $3::jsonb, $4, $5::interval, $10, $6::integer, $7::integer,
                                $8::interval, $9::interval, $19::boolean, $11, $12::boolean, $13,
                                coalesce($14::timestamptz, now() + $15::interval), $16, $17::interval,
                                $18::jsonb) AS id
        """)
    /// Enqueues one task of no group, its id made here ($9), its name $10 or its function's, its hook $11 and
    /// save $12, its queue $13 and start $14 or $15 (as `asyncTask`), its trace context $16: the row baton.async_task would
    /// write, without the function call (a tenth of an enqueue's time). The table's checks
    /// still apply, and baton_enqueue's row policy; with no RETURNING it needs INSERT only.
    /// In the caller's transaction ($17) it asks for the wake-up at commit, as async_task
    /// does (0017): `baton.wake` is set as the row is made, before the trigger tasks_wake
    /// reads it on the row's insert.
    static let insertTask = PreparedStatement(name: "baton_insert_task", sql: """
        WITH task AS (
            INSERT INTO baton.tasks (id, name, func, args, kwargs, cache_ttl, priority, max_attempts, retry_delay,
                                     timeout, hook, save, queue, run_at, trace)
            VALUES (CASE WHEN $17::boolean THEN CASE set_config('baton.wake', 'on', true) WHEN 'on' THEN $9::uuid END
                         ELSE $9::uuid END,
                    coalesce($10, $1), $1, $2::jsonb, $3::jsonb, $4::interval, $5::integer, $6::integer,
                    $7::interval, $8::interval, $11, $12::boolean, $13,
                    coalesce($14::timestamptz, now() + $15::interval, now()), $16::jsonb)
        )
        SELECT $9::uuid AS id
        """)
    /// Enqueues a chain through the SQL API (baton.async_chain), in queue $10, its first link due
    /// at $11 or after $12, unique by $13 (for $14 after it finished), every link carrying trace
    /// context $15; $16 says whether to notify.
    static let asyncChain = PreparedStatement(name: "baton_async_chain", sql: """
        SELECT baton.async_chain($1::jsonb, $2, $3::interval, $4, $5::integer, $6::interval, $7::interval,
                                 $16::boolean, $8, $9::boolean, $10,
                                 coalesce($11::timestamptz, now() + $12::interval), $13, $14::interval,
                                 $15::jsonb) AS group_id
        """)
}
