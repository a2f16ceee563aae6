import Baton

/// The database's own limit for the work Baton does, measured through LibPQ without
/// Baton's code: claiming and completing rows with SKIP LOCKED, and single-row inserts.
struct Baseline {
    let configuration: ConnectionConfiguration
    let connections: Int

    /// Single-row INSERT, one per transaction, from `connections` connections: rows/s.
    func inserts(_ count: Int) async throws -> Double {
        try await withTable { table, _ in
            try await timed(count) { connection, share in
                let statement = PreparedStatement(
                    name: "bench_insert", sql: "INSERT INTO \(table) (payload) VALUES ($1::jsonb)")
                for _ in 0..<share { _ = try await connection.query(statement, #"["bench"]"#) }
            }
        }
    }

    /// Claim a batch of rows with FOR UPDATE SKIP LOCKED and complete them (delete), one
    /// transaction per batch, from `connections` connections: rows/s.
    func claimAndComplete(_ count: Int, batch: Int) async throws -> Double {
        try await withTable { table, setup in
            try await setup.execute(
                "INSERT INTO \(table) (payload) SELECT '[\"bench\"]'::jsonb FROM generate_series(1, $1::integer)", count)
            try await setup.execute(script: "VACUUM ANALYZE \(table)")
            return try await timed(count) { connection, _ in
                let statement = PreparedStatement(name: "bench_claim_\(batch)", sql: """
                    DELETE FROM \(table) WHERE id IN (
                        SELECT id FROM \(table) ORDER BY id LIMIT $1::integer FOR UPDATE SKIP LOCKED)
                    """)
                while try await connection.query(statement, batch).affectedRows > 0 {}
            }
        }
    }

    /// Runs `body` on `connections` connections at once, each with its share of `count`;
    /// returns count per second of wall time.
    private func timed(
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

    /// A table shaped like a small queue, dropped afterwards.
    private func withTable<R>(_ body: (String, Connection) async throws -> R) async throws -> R {
        let setup = try await Connection.connect(configuration)
        let table = "bench_baseline"
        try await setup.execute(script: """
            DROP TABLE IF EXISTS \(table);
            CREATE TABLE \(table) (id bigserial PRIMARY KEY, payload jsonb NOT NULL,
                                   enqueued_at timestamptz NOT NULL DEFAULT now())
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
