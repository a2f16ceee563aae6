/// Something that runs SQL: a `Connection`, or a `Transaction` on one.
public protocol Queryable: Sendable {
    /// Runs one statement with `$n` parameters and returns its rows.
    func query(_ sql: String, _ parameters: [any SQLEncodable]) async throws -> QueryResult
    /// Runs a prepared statement, preparing it first if this connection has not yet.
    func query(_ statement: PreparedStatement, _ parameters: [any SQLEncodable]) async throws -> QueryResult
    /// Runs several statements separated by semicolons, without parameters (a migration file).
    func execute(script: String) async throws
    /// Runs `COPY ... FROM STDIN` with these rows: the fastest way to write many rows.
    /// - Returns: how many rows were copied.
    /// - Throws: `PostgresError` from the server (a bad value names its line); nothing is copied then.
    @discardableResult
    func copy(_ sql: String, _ rows: CopyRows) async throws -> Int
}

extension Queryable {
    public func query(_ sql: String, _ parameters: any SQLEncodable...) async throws -> QueryResult {
        try await query(sql, parameters)
    }

    public func query(_ statement: PreparedStatement, _ parameters: any SQLEncodable...) async throws -> QueryResult {
        try await query(statement, parameters)
    }

    /// Runs one statement and returns how many rows it affected.
    @discardableResult
    public func execute(_ sql: String, _ parameters: any SQLEncodable...) async throws -> Int {
        try await query(sql, parameters).affectedRows
    }

    /// Sends `pg_notify(channel, payload)`; inside a transaction it is delivered at commit.
    public func notify(_ channel: String, payload: String = "") async throws {
        _ = try await query("SELECT pg_notify($1, $2)", [channel, payload])
    }
}

extension Array where Element == any SQLEncodable {
    func encoded() throws -> [SQLParameter] {
        try map { try $0.sqlParameter() }
    }
}
