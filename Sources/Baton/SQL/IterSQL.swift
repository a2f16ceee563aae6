import LibPQ

/// An iter's results in the order given (Iter).
enum IterSQL {
    /// Enqueues an iter (baton.async_iter).
    static let asyncIter = PreparedStatement(name: "baton_async_iter", sql: """
        SELECT baton.async_iter($1, $2::jsonb, $3::interval, $4::integer, $5::integer, $6::interval, $7::interval,
                                $10::boolean, $8, $9::boolean) AS id
        """)
    /// An iter's length (groups primary key).
    static let length = "SELECT length FROM baton.groups WHERE id = $1 AND kind = 'iter'"
}
