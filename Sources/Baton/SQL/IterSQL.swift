import LibPQ

/// An iter's results in the order given (Iter).
enum IterSQL {
    /// Enqueues an iter (baton.async_iter), in queue $10, due at $11 or after $12, unique by $13 (for
    /// $14 after it finished), every task carrying trace context $15; $16 says whether to notify.
    static let asyncIter = PreparedStatement(name: "baton_async_iter", sql: """
        SELECT baton.async_iter($1, $2::jsonb, $3::interval, $4::integer, $5::integer, $6::interval, $7::interval,
                                $16::boolean, $8, $9::boolean, $10,
                                coalesce($11::timestamptz, now() + $12::interval), $13, $14::interval,
                                $15::jsonb) AS id
        """)
    /// An iter's length (groups primary key).
    static let length = "SELECT length FROM baton.groups WHERE id = $1 AND kind = 'iter'"
}
