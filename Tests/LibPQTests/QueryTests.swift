import LibPQ
import Testing
import TestSupport

@Suite struct QueryTests {
    @Test func preparedStatementIsPreparedOncePerConnection() async throws {
        let connection = try await TestDatabase.connect()
        let statement = PreparedStatement(name: "add_one", sql: "SELECT $1::int + 1 AS n")
        for value in 1...3 {
            let row = try #require(try await connection.query(statement, value).first)
            #expect(try row.decode("n", as: Int.self) == value + 1)
        }
        let prepared = try await connection.query(
            "SELECT count(*) AS n FROM pg_prepared_statements WHERE name = $1", statement.name)
        #expect(try prepared[0].decode("n", as: Int.self) == 1)
        let other = PreparedStatement(name: "add_one", sql: "SELECT 2")
        let error = await #expect(throws: PostgresError.self) { try await connection.query(other) }
        #expect(error?.code == .misuse)
    }

    @Test func cancellingATaskCancelsItsStatement() async throws {
        let connection = try await TestDatabase.connect()
        let observer = try await TestDatabase.connect()
        let task = Task { try await connection.query("SELECT pg_sleep(30)") }
        try await TestDatabase.waitUntilRunning("pg_sleep", on: connection, seenFrom: observer)
        let started = ContinuousClock.now
        task.cancel()
        let error = await #expect(throws: PostgresError.self) { try await task.value }
        #expect(error?.code == .queryCanceled)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(try await connection.query("SELECT 1").count == 1)
    }

    @Test func callsFromManyTasksOnOneConnectionRunInTurn() async throws {
        let connection = try await TestDatabase.connect()
        let sums = try await withThrowingTaskGroup(of: Int.self) { group in
            for value in 0..<50 {
                group.addTask { try await connection.query("SELECT $1::int * 2 AS n", value)[0].decode("n") }
            }
            return try await group.reduce(0, +)
        }
        #expect(sums == (0..<50).reduce(0) { $0 + $1 * 2 })
    }

    @Test func scriptRunsSeveralStatements() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("script")
        try await connection.execute(script: "CREATE TEMP TABLE \(table) (n int); INSERT INTO \(table) VALUES (1), (2);")
        #expect(try await connection.query("SELECT sum(n) AS s FROM \(table)")[0].decode("s", as: Int.self) == 3)
    }
}
