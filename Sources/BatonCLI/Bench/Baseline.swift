import Foundation
import Baton

/// The database's own limit for the work Baton does, measured through LibPQ without
/// Baton's code, on a table shaped like the queue (`LIKE baton.tasks INCLUDING ALL`: the
/// same columns, checks and indexes, and ids in time order as Baton makes them): single-row
/// inserts, COPY, and claiming rows with `FOR UPDATE SKIP LOCKED` and completing them.
struct Baseline {
    let configuration: ConnectionConfiguration
    let connections: Int

    /// Single-row INSERT, one per transaction, from `connections` connections: rows/s.
    func inserts(_ count: Int) async throws -> Double {
        try await withTable { table, _ in
            try await timed(count) { connection, share in
                let statement = PreparedStatement(name: "bench_insert", sql: """
                    INSERT INTO \(table) (id, name, func, args, kwargs)
                    VALUES (baton.new_id(), $1, $1, $2::jsonb, $3::jsonb)
                    """)
                for _ in 0..<share { _ = try await connection.query(statement, "baton.echo", "[]", "{}") }
            }
        }
    }

    /// COPY of `count` rows, `chunk` rows per statement, from one connection: rows/s.
    func copies(_ count: Int, chunk: Int = 5_000) async throws -> Double {
        try await withTable { table, connection in
            let started = ContinuousClock.now
            var left = count
            while left > 0 {
                var rows = CopyRows()
                for id in UUID.timeOrdered(count: min(chunk, left)) {
                    rows.append([id.lowercasedText, "baton.echo", "baton.echo", "[]", "{}"])
                }
                try await connection.copy("COPY \(table) (id, name, func, args, kwargs) FROM STDIN", rows)
                left -= rows.count
            }
            return Measure.rate(count, in: ContinuousClock.now - started)
        }
    }

    /// Claim up to `batch` rows (`SELECT ... FOR UPDATE SKIP LOCKED` in the claim order's
    /// index) and complete them (`DELETE`), one transaction per batch, from `connections`
    /// connections: rows/s.
    func claimAndComplete(_ count: Int, batch: Int) async throws -> Double {
        try await withQueue(count) { table, _ in
            try await timed(count) { connection, _ in
                let claim = PreparedStatement(name: "bench_claim", sql: """
                    SELECT id FROM \(table) WHERE state = 'queued' ORDER BY priority DESC, run_at, id
                    LIMIT $1::integer FOR UPDATE SKIP LOCKED
                    """)
                let complete = PreparedStatement(
                    name: "bench_complete", sql: "DELETE FROM \(table) WHERE id = ANY ($1::uuid[])")
                while try await connection.transaction({ tx in
                    let ids = try await tx.query(claim, batch).map { try $0.decode(0, as: UUID.self) }
                    if !ids.isEmpty { _ = try await tx.query(complete, ids) }
                    return !ids.isEmpty
                }) {}
            }
        }
    }

    /// The writes Baton makes, in batches of `batch`: a claim (`UPDATE` to running with a
    /// lease, of rows locked `FOR UPDATE SKIP LOCKED`, autocommit, `synchronous_commit` off
    /// for its transaction as Baton's claim sets it), then a completion (`DELETE` of the
    /// claimed rows and `INSERT` of their result rows into a table shaped like
    /// baton.results, one statement, autocommit), from `connections` connections: rows/s.
    func claimCompleteAndRecord(_ count: Int, batch: Int) async throws -> Double {
        try await withQueue(count) { table, setup in
            let results = "\(table)_results"
            // A run that failed may have left it; the bench's database goes at the end anyway.
            try await setup.execute(script: """
                DROP TABLE IF EXISTS \(results);
                CREATE TABLE \(results) (LIKE baton.results INCLUDING ALL)
                """)
            let rate = try await timed(count) { connection, _ in
                let claim = PreparedStatement(name: "bench_lease", sql: """
                    UPDATE \(table) AS t
                    SET state = 'running', attempts = t.attempts + 1, lease_owner = 'bench',
                        lease_expires_at = now() + interval '1 minute', started_at = now()
                    WHERE set_config('synchronous_commit', 'off', true) = 'off' AND t.id IN (
                        SELECT id FROM \(table) WHERE state = 'queued' ORDER BY priority DESC, run_at, id
                        LIMIT $1::integer FOR UPDATE SKIP LOCKED)
                    RETURNING t.id
                    """)
                let complete = PreparedStatement(name: "bench_record", sql: """
                    WITH gone AS (DELETE FROM \(table) WHERE id = ANY ($1::uuid[]) RETURNING *)
                    INSERT INTO \(results) (id, name, func, args, kwargs, result, success, attempts, worker,
                                            enqueued_at, started_at)
                    SELECT id, name, func, args, kwargs, 'null', true, attempts, lease_owner, enqueued_at,
                           started_at
                    FROM gone
                    """)
                while true {
                    let ids = try await connection.query(claim, batch).map { try $0.decode(0, as: UUID.self) }
                    if ids.isEmpty { break }
                    _ = try await connection.query(complete, ids)
                }
            }
            try await setup.execute(script: "DROP TABLE \(results)")
            return rate
        }
    }

    /// Claim and complete in one statement (`DELETE ... WHERE id IN (SELECT ... FOR UPDATE
    /// SKIP LOCKED)`), `batch` rows each, autocommit: the fewest round trips there are.
    func claimAndCompleteInOneStatement(_ count: Int, batch: Int) async throws -> Double {
        try await withQueue(count) { table, _ in
            try await timed(count) { connection, _ in
                let statement = PreparedStatement(name: "bench_claim_delete", sql: """
                    DELETE FROM \(table) WHERE id IN (
                        SELECT id FROM \(table) WHERE state = 'queued' ORDER BY priority DESC, run_at, id
                        LIMIT $1::integer FOR UPDATE SKIP LOCKED)
                    """)
                while try await connection.query(statement, batch).affectedRows > 0 {}
            }
        }
    }

    /// The table with `count` queued rows, vacuumed and analysed.
    private func withQueue(_ count: Int, _ body: (String, Connection) async throws -> Double) async throws -> Double {
        try await withTable { table, setup in
            try await setup.execute(
                "INSERT INTO \(table) (id, name, func) SELECT baton.new_id(), 'baton.echo', 'baton.echo' "
                    + "FROM generate_series(1, $1::integer)", count)
            try await setup.execute(script: "VACUUM ANALYZE \(table)")
            return try await body(table, setup)
        }
    }

    /// Runs `body` on `connections` connections at once, each with its share of `count`;
    /// returns count per second of wall time.
    func timed(
        _ count: Int, _ body: @escaping @Sendable (Connection, Int) async throws -> Void
    ) async throws -> Double {
        let opened = try await (0..<connections).asyncMap { _ in try await Connection.connect(configuration) }
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, connection) in opened.enumerated() {
                let share = count / connections + (index < count % connections ? 1 : 0)
                group.addTask { try await body(connection, share) }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        for connection in opened { await connection.close() }
        return Measure.rate(count, in: elapsed)
    }

    /// A table shaped like baton.tasks, dropped afterwards.
    private func withTable<R>(_ body: (String, Connection) async throws -> R) async throws -> R {
        let setup = try await Connection.connect(configuration)
        let table = "bench_baseline"
        try await setup.execute(script: """
            DROP TABLE IF EXISTS \(table);
            CREATE TABLE \(table) (LIKE baton.tasks INCLUDING ALL)
            """)
        do {
            let value = try await body(table, setup)
            try await setup.execute(script: "DROP TABLE \(table)")
            await setup.close()
            return value
        } catch {
            try? await setup.execute(script: "DROP TABLE \(table)")
            await setup.close()
            throw error
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var values: [T] = []
        for element in self { values.append(try await transform(element)) }
        return values
    }
}
