import LibPQ
import Testing
import TestSupport

/// `pipeline(_:)`: prepared statements in one round trip, each its own transaction.
@Suite struct PipelineTests {
    @Test func eachStatementCommitsOnItsOwnAndAFailureStopsOnlyItself() async throws {
        let connection = try await TestDatabase.connect()
        let table = TestDatabase.uniqueName("pipelined")
        try await connection.execute(script: "CREATE TABLE \(table) (n integer PRIMARY KEY)")
        let insert = PreparedStatement(name: "pipeline_insert", sql: "INSERT INTO \(table) (n) VALUES ($1::integer) RETURNING n")
        let results = try await connection.pipeline([(insert, [1]), (insert, [1]), (insert, [2])])
        #expect(results.count == 3)
        #expect(try results[0].get()[0].decode("n", as: Int.self) == 1)
        guard case .failure(let error) = results[1] else {
            Issue.record("a duplicate key must fail")
            return
        }
        #expect(error.code == .uniqueViolation)
        #expect(try results[2].get()[0].decode("n", as: Int.self) == 2)
        let stored = try await connection.query("SELECT n FROM \(table) ORDER BY n").map { try $0.decode("n", as: Int.self) }
        #expect(stored == [1, 2], "the failed statement rolled back alone")
        // The connection goes on in the usual mode, and the statements stay prepared.
        #expect(try await connection.query(insert, 3)[0].decode("n", as: Int.self) == 3)
        try await connection.execute(script: "DROP TABLE \(table)")
    }

    @Test func aNotificationSentInAPipelineArrives() async throws {
        let listener = try await TestDatabase.connect()
        let sender = try await TestDatabase.connect()
        let channel = TestDatabase.uniqueName("pipe")
        let notify = PreparedStatement(name: "pipeline_notify", sql: "SELECT pg_notify($1, 'hello')")
        let payload = try await listener.listen(on: channel) { notifications in
            _ = try await sender.pipeline([(notify, [channel])])
            for try await notification in notifications { return notification.payload }
            return ""
        }
        #expect(payload == "hello")
    }
}
