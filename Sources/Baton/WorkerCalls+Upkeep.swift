import LibPQ

/// What the clusters do beside running tasks: firing schedules, pruning the history.
extension WorkerCalls {
    /// Fires the due schedules no other process is firing (baton.fire_schedules), in one
    /// transaction: each due time enqueues its task once.
    /// - Returns: the tasks enqueued, and how long until the earliest schedule is due (nil: none is).
    package func fireSchedules(owner: String, on connection: Connection) async throws -> (fired: Int, nextDue: Duration?) {
        let row = try await connection.query(ScheduleSQL.fire, [owner])[0]
        return (try row.decode("fired"), try row.decode("next_due", as: Double?.self).map { .seconds($0) })
    }

    /// Deletes up to `batch` finished results older than `keep`, or beyond each function's
    /// newest `keepPerFunction` (baton.prune_results), one process at a time: the others get 0.
    /// - Returns: how many it deleted; call again while that is `batch`.
    package func pruneResults(
        keep: Duration?, keepPerFunction: Int?, batch: Int, on connection: Connection
    ) async throws -> Int {
        try await connection.query(RetentionSQL.prune, [keep?.postgresInterval, keepPerFunction, batch])[0].decode(0)
    }
}
