/// One connection to PostgreSQL, served by a thread of its own.
///
/// Calls from many tasks are run one after another, in the order they arrive; a task
/// that needs several statements together uses `transaction { }`, or takes a connection
/// of its own from a `ConnectionPool`. The connection closes when `close()` is called or
/// the last reference goes.
public final class Connection: Queryable {
    let core: ConnectionCore

    private init(core: ConnectionCore) {
        self.core = core
    }

    /// Connects, with a URL, a conninfo string, or `.environment` for libpq's `PG*` variables.
    /// Gives up after the connect timeout (`connect_timeout=` in the URL, `PGCONNECT_TIMEOUT`,
    /// else 10 s), and at once when the calling task is cancelled.
    /// - Throws: `PostgresError` with code `.connectionRefused` or `.connectionFailed`,
    ///   carrying libpq's message and never the password; `CancellationError` when cancelled.
    public static func connect(_ configuration: ConnectionConfiguration = .environment) async throws -> Connection {
        let core = try ConnectionCore()
        do {
            try await core.perform { core in try core.connect(configuration) }
        } catch {
            core.stop()
            throw error
        }
        return Connection(core: core)
    }

    /// Connects with a URL or conninfo string.
    public static func connect(_ url: String) async throws -> Connection {
        try await connect(ConnectionConfiguration(url))
    }

    deinit {
        core.stop()
    }

    /// Closes the connection once the calls already made have finished.
    public func close() async {
        await core.stopAndWait()
    }

    /// Whether the connection broke (the server went away); a broken connection stays broken.
    public var isBroken: Bool { core.snapshot.withLock { $0.isBroken } }

    /// Whether the connection is outside any transaction, ready to be handed to another user.
    public var isIdle: Bool { core.snapshot.withLock { !$0.isBroken && $0.isIdle } }

    /// Whether the connection was closed because a statement went unanswered past
    /// `Connection.answerLimit` (or its caller gave up on it).
    public var wentUnanswered: Bool { core.snapshot.withLock { $0.wentUnanswered } }

    /// The server process serving this connection (`pg_backend_pid()`).
    public var backendPID: Int32 { core.snapshot.withLock { $0.backendPID } }

    public func query(_ sql: String, _ parameters: [any SQLEncodable]) async throws -> QueryResult {
        try await run(.text(sql, parameters.encoded()))
    }

    public func query(_ statement: PreparedStatement, _ parameters: [any SQLEncodable]) async throws -> QueryResult {
        try await run(.prepared(statement, parameters.encoded()))
    }

    public func execute(script: String) async throws {
        _ = try await run(.script(script))
    }

    @discardableResult
    public func copy(_ sql: String, _ rows: CopyRows) async throws -> Int {
        try await core.perform { core in try core.copyIn(sql, rows) }
    }

    /// Runs prepared statements in one round trip (libpq's pipeline mode), each in a
    /// transaction of its own: a later one runs even when an earlier one fails.
    /// - Returns: each statement's rows or error, in order.
    /// - Throws: `PostgresError` when the connection fails.
    public func pipeline(
        _ statements: [(PreparedStatement, [any SQLEncodable])]
    ) async throws -> [Result<QueryResult, PostgresError>] {
        let encoded = try statements.map { ($0.0, try $0.1.encoded()) }
        return try await core.perform { core in try core.runPipeline(encoded) }
    }

    func run(_ statement: Statement, cancellable: Bool = true) async throws -> QueryResult {
        let limit = Self.answerLimit
        return try await core.perform(cancellable: cancellable) { core in
            // Counted from when the statement goes out, not from when it joined the line.
            core.answerDeadline = limit.map { (ContinuousClock.now + $0, $0) }
            defer { core.answerDeadline = nil }
            return try core.run(statement)
        }
    }
}

extension Connection {
    /// How long each statement the current task runs (`query`, `execute`) may wait for the
    /// server's answer; nil, the default: as long as it takes. When no answer has come by then
    /// (the server is stuck, or a network dropped the connection without a word, where TCP
    /// would wait for minutes), the connection is closed and the statement throws
    /// `.connectionLost`; a cancelled statement is cancelled on the server as always, and given
    /// up the same way if no answer comes by its limit. For statements that are safe to send again
    /// on another connection, such as a worker's heartbeat:
    /// `try await Connection.$answerLimit.withValue(.seconds(2)) { ... }`.
    @TaskLocal public static var answerLimit: Duration?
}
