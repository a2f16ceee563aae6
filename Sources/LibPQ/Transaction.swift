/// An open transaction on a connection, handed to the closure of `transaction { tx in }`.
///
/// Statements run through it belong to the transaction. `tx.transaction { }` nests a
/// savepoint: it rolls back alone when its closure throws.
public struct Transaction: Queryable {
    public let connection: Connection
    /// 0 for the transaction itself, 1 and up for savepoints inside it.
    public let depth: Int

    public func query(_ sql: String, _ parameters: [any SQLEncodable]) async throws -> QueryResult {
        try await connection.query(sql, parameters)
    }

    public func query(_ statement: PreparedStatement, _ parameters: [any SQLEncodable]) async throws -> QueryResult {
        try await connection.query(statement, parameters)
    }

    public func execute(script: String) async throws {
        try await connection.execute(script: script)
    }

    @discardableResult
    public func copy(_ sql: String, _ rows: CopyRows) async throws -> Int {
        try await connection.copy(sql, rows)
    }

    /// Runs `body` in a savepoint: released when it returns, rolled back when it throws.
    @discardableResult
    public func transaction<R>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Transaction) async throws -> sending R
    ) async throws -> sending R {
        let savepoint = "baton_savepoint_\(depth + 1)"
        _ = try await connection.run(.script("SAVEPOINT \(savepoint)"))
        return try await Transaction(connection: connection, depth: depth + 1).finish(
            body,
            commit: "RELEASE SAVEPOINT \(savepoint)",
            rollback: "ROLLBACK TO SAVEPOINT \(savepoint); RELEASE SAVEPOINT \(savepoint)"
        )
    }

    /// Runs the body, then commits; rolls back when it throws or its task was cancelled.
    func finish<R>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Transaction) async throws -> sending R,
        commit: String,
        rollback: String
    ) async throws -> sending R {
        do {
            let value = try await body(self)
            try Task.checkCancellation()
            _ = try await connection.run(.script(commit), cancellable: false)
            return value
        } catch {
            if !connection.isBroken, !connection.isIdle || depth > 0 {
                _ = try? await connection.run(.script(rollback), cancellable: false)
            }
            throw error
        }
    }
}

extension Connection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws or
    /// the task is cancelled.
    ///
    /// - Throws: `.misuse` when a transaction is already open on this connection (use
    ///   `tx.transaction { }` for a savepoint); else what `body` or `COMMIT` threw.
    @discardableResult
    public func transaction<R>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Transaction) async throws -> sending R
    ) async throws -> sending R {
        guard isIdle else {
            throw PostgresError.misuse(
                isBroken ? "the connection is broken"
                    : "a transaction is already open on this connection; use tx.transaction { } for a savepoint")
        }
        _ = try await run(.script("BEGIN"))
        return try await Transaction(connection: self, depth: 0).finish(body, commit: "COMMIT", rollback: "ROLLBACK")
    }
}
