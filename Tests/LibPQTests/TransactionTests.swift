import LibPQ
import Testing
import TestSupport

/// `transaction { }` commits when its closure returns and rolls back when it throws or
/// its task is cancelled; `tx.transaction { }` is a savepoint.
@Suite struct TransactionTests {
    struct Planned: Error {}

    /// A table of its own, and a second connection to look at it from outside.
    func fixture() async throws -> (Connection, Connection, String) {
        let connection = try await TestDatabase.connect()
        let observer = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("tx")
        try await connection.execute(script: "CREATE TABLE \(table) (n int)")
        return (connection, observer, table)
    }

    func count(_ table: String, on connection: Connection) async throws -> Int {
        try #require(try await connection.query("SELECT count(*) AS n FROM \(table)").first).decode("n")
    }

    func drop(_ table: String, on connection: Connection) async throws {
        try await connection.execute(script: "DROP TABLE \(table)")
    }

    @Test func commitsWhenTheClosureReturns() async throws {
        let (connection, observer, table) = try await fixture()
        let value = try await connection.transaction { tx in
            try await tx.execute("INSERT INTO \(table) VALUES ($1)", 1)
            #expect(try await count(table, on: observer) == 0)  // not visible before commit
            return "done"
        }
        #expect(value == "done")
        #expect(try await count(table, on: observer) == 1)
        #expect(connection.isIdle)
        try await drop(table, on: observer)
    }

    @Test func rollsBackWhenTheClosureThrows() async throws {
        let (connection, observer, table) = try await fixture()
        await #expect(throws: Planned.self) {
            try await connection.transaction { tx in
                try await tx.execute("INSERT INTO \(table) VALUES ($1)", 1)
                throw Planned()
            }
        }
        #expect(try await count(table, on: observer) == 0)
        #expect(connection.isIdle)
        try await drop(table, on: observer)
    }

    @Test func rollsBackWhenAStatementFails() async throws {
        let (connection, observer, table) = try await fixture()
        await #expect(throws: PostgresError.self) {
            try await connection.transaction { tx in
                try await tx.execute("INSERT INTO \(table) VALUES ($1)", 1)
                try await tx.execute("INSERT INTO \(table) VALUES ('not a number')")
            }
        }
        #expect(try await count(table, on: observer) == 0)
        #expect(connection.isIdle)
        try await drop(table, on: observer)
    }

    @Test func rollsBackWhenCancelledDuringAStatement() async throws {
        let (connection, observer, table) = try await fixture()
        let task = Task {
            try await connection.transaction { tx in
                try await tx.execute("INSERT INTO \(table) VALUES ($1)", 1)
                try await tx.execute("SELECT pg_sleep(30)")
            }
        }
        // Cancel once the server is running the sleep, so that the statement itself is cancelled.
        try await TestDatabase.waitUntilRunning("pg_sleep", on: connection, seenFrom: observer)
        let started = ContinuousClock.now
        task.cancel()
        let error = await #expect(throws: PostgresError.self) { try await task.value }
        #expect(error?.code == .queryCanceled)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try await count(table, on: observer) == 0)
        #expect(connection.isIdle)
        #expect(try await connection.query("SELECT 1").count == 1)
        try await drop(table, on: observer)
    }

    @Test func rollsBackWhenCancelledBeforeCommit() async throws {
        let (connection, observer, table) = try await fixture()
        let inserted = AsyncStream<Void>.makeStream()
        let task = Task {
            try await connection.transaction { tx in
                try await tx.execute("INSERT INTO \(table) VALUES ($1)", 1)
                inserted.continuation.yield()
                while !Task.isCancelled { await Task.yield() }
            }
        }
        var iterator = inserted.stream.makeAsyncIterator()
        await iterator.next()
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(try await count(table, on: observer) == 0)
        #expect(connection.isIdle)
        try await drop(table, on: observer)
    }

    @Test func savepointRollsBackAlone() async throws {
        let (connection, observer, table) = try await fixture()
        try await connection.transaction { tx in
            try await tx.execute("INSERT INTO \(table) VALUES ($1)", 1)
            await #expect(throws: Planned.self) {
                try await tx.transaction { inner in
                    #expect(inner.depth == 1)
                    try await inner.execute("INSERT INTO \(table) VALUES ($1)", 2)
                    throw Planned()
                }
            }
            try await tx.transaction { inner in
                try await inner.execute("INSERT INTO \(table) VALUES ($1)", 3)
            }
        }
        let rows = try await observer.query("SELECT n FROM \(table) ORDER BY n")
        #expect(try rows.map { try $0.decode("n", as: Int.self) } == [1, 3])
        try await drop(table, on: observer)
    }

    @Test func transactionInsideTransactionOnTheConnectionIsRefused() async throws {
        let (connection, observer, table) = try await fixture()
        await #expect(throws: PostgresError.self) {
            try await connection.transaction { tx in
                try await tx.execute("INSERT INTO \(table) VALUES ($1)", 1)
                try await connection.transaction { _ in }
            }
        }
        #expect(try await count(table, on: observer) == 0)
        let error = await #expect(throws: PostgresError.self) {
            try await connection.transaction { _ in try await connection.transaction { _ in } }
        }
        #expect(error?.code == .misuse)
        #expect(error?.message.contains("savepoint") == true)
        try await drop(table, on: observer)
    }
}
