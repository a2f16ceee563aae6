import LibPQ
import Testing
import TestSupport

/// Statements run under `Connection.answerLimit` end by it even when their connection went
/// dead without a word, where an ordinary statement waits until TCP gives up (minutes, or
/// never behind a proxy that keeps the socket open): the connection is closed, and the next
/// statement goes out on another.
@Suite struct AnswerTimeoutTests {
    static let sleep = PreparedStatement(name: "answer_timeout_sleep", sql: "SELECT pg_sleep($1::float8) IS NULL AS slept")

    @Test func aStatementAnsweredInTimeReturnsAndTheLimitEndsWithItsScope() async throws {
        let connection = try await TestDatabase.connect()
        let rows = try await Connection.$answerLimit.withValue(.seconds(5)) {
            try await connection.query(Self.sleep, [0.05])
        }
        #expect(try rows[0].decode("slept", as: Bool.self) == false)
        #expect(!connection.isBroken)
        // Outside the scope, a statement takes as long as it takes.
        let slow = try await Connection.$answerLimit.withValue(.milliseconds(100)) {
            Task.detached { try await connection.query("SELECT pg_sleep(0.4) IS NULL AS slept") }
        }
        #expect(try await slow.value[0].decode("slept", as: Bool.self) == false)
    }

    @Test func aStatementNotAnsweredInTimeClosesItsConnection() async throws {
        let connection = try await TestDatabase.connect()
        let started = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) {
            try await Connection.$answerLimit.withValue(.milliseconds(300)) {
                _ = try await connection.query(Self.sleep, [30.0])
            }
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.code == .connectionLost)
        #expect(error?.message.contains("no answer from the server within 0.3 seconds") == true, "\(error?.message ?? "")")
        // Long before the server would have answered.
        #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(10), "gave up after \(elapsed)")
        #expect(connection.isBroken)
        await #expect(throws: PostgresError.self) { _ = try await connection.query("SELECT 1") }
    }

    @Test func aConnectionTheNetworkDroppedIsGivenUpAtTheLimit() async throws {
        let (forwarder, through) = try Forwarder.to(TestDatabase.configuration)
        let connection = try await Connection.connect(through)
        _ = try await connection.query(Self.sleep, [0.0])
        #expect(forwarder.silenceOpenConnections() == 1)
        let started = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) {
            try await Connection.$answerLimit.withValue(.milliseconds(500)) {
                _ = try await connection.query(Self.sleep, [0.0])
            }
        }
        #expect(error?.code == .connectionLost)
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(connection.isBroken)
        // A new connection through the same way works.
        let fresh = try await Connection.connect(through)
        #expect(try await fresh.query("SELECT 7 AS n")[0].decode("n", as: Int.self) == 7)
    }

    @Test func aTransactionWhoseConnectionDiedEndsAtTheLimitAndCommitsNothing() async throws {
        let (forwarder, through) = try Forwarder.to(TestDatabase.configuration)
        let connection = try await Connection.connect(through)
        let table = TestDatabase.uniqueName("answer")
        _ = try await connection.query("CREATE TABLE \(table) (n int)")
        let error = await #expect(throws: PostgresError.self) {
            try await Connection.$answerLimit.withValue(.milliseconds(500)) {
                try await connection.transaction { tx in
                    _ = try await tx.query("INSERT INTO \(table) VALUES (1)")
                    forwarder.silenceOpenConnections()
                    _ = try await tx.query("INSERT INTO \(table) VALUES (2)")
                }
            }
        }
        #expect(error?.code == .connectionLost)
        let observer = try await TestDatabase.connect()
        // The server rolls the transaction back once it sees its client gone.
        try await observer.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()", "%\(table)%")
        #expect(try await observer.query("SELECT count(*) AS n FROM \(table)")[0].decode("n", as: Int.self) == 0)
        _ = try await observer.query("DROP TABLE \(table)")
    }

    @Test func aCancelledStatementNobodyAnswersEndsAtItsLimit() async throws {
        let (forwarder, through) = try Forwarder.to(TestDatabase.configuration)
        let connection = try await Connection.connect(through)
        forwarder.silenceOpenConnections()
        // Unanswered for good: the cancel request reaches the server, which has nothing to cancel.
        let task = Task {
            try await Connection.$answerLimit.withValue(.seconds(2)) { try await connection.query(Self.sleep, [0.0]) }
        }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let started = ContinuousClock.now
        let error = await #expect(throws: (any Error).self) { _ = try await task.value }
        // Cancelled before the statement went out, or given up at its limit: either way not hanging.
        if let error = error as? PostgresError {
            #expect(error.code == .connectionLost)
            #expect(connection.isBroken)
        } else {
            #expect(error is CancellationError, "\(String(describing: error))")
        }
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}

/// A pooled connection that went unanswered takes the idle ones with it: the next caller gets
/// a new connection, not another one the same broken network holds.
@Suite struct UnansweredPoolTests {
    @Test func theIdleConnectionsGoWithTheOneThatWentUnanswered() async throws {
        let (forwarder, through) = try Forwarder.to(TestDatabase.configuration)
        let pool = ConnectionPool(configuration: through, maxConnections: 3)
        // Three open at once, then idle.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { _ = try await pool.withConnection { try await $0.query("SELECT pg_sleep(0.1)") } } }
            try await group.waitForAll()
        }
        #expect(pool.statistics.open == 3 && pool.statistics.idle == 3)
        #expect(forwarder.silenceOpenConnections() == 3)
        await #expect(throws: PostgresError.self) {
            try await Connection.$answerLimit.withValue(.milliseconds(300)) {
                _ = try await pool.withConnection { try await $0.query("SELECT 1") }
            }
        }
        #expect(pool.statistics.open == 0, "\(pool.statistics)")
        // The next statement goes out on a new connection and is answered (on a dead one it
        // would fail at its limit).
        let answered = try await Connection.$answerLimit.withValue(.seconds(5)) {
            try await pool.withConnection { try await $0.query("SELECT 5 AS n")[0].decode("n", as: Int.self) }
        }
        #expect(answered == 5)
        await pool.close()
    }
}
