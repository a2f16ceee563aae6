import LibPQ
import Synchronization
import Testing
import TestSupport

/// How many callers hold a connection now, and the most that ever did at once.
final class Occupancy: Sendable {
    private let counts = Mutex((now: 0, peak: 0))
    func enter() { counts.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) } }
    func leave() { counts.withLock { $0.now -= 1 } }
    var peak: Int { counts.withLock { $0.peak } }
}

@Suite struct ConnectionPoolTests {
    @Test func fourTimesMoreCallersThanConnectionsAllFinish() async throws {
        let pool = ConnectionPool(configuration: TestDatabase.configuration, maxConnections: 4)
        let inUse = Occupancy()
        let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
            for caller in 0..<16 {
                group.addTask {
                    try await pool.withConnection { connection in
                        inUse.enter()
                        defer { inUse.leave() }
                        let row = try await connection.query(
                            "SELECT pg_sleep(0.05), pg_backend_pid() AS pid, $1::int AS caller", caller)[0]
                        #expect(try row.decode("caller", as: Int.self) == caller)
                        return try row.decode("pid", as: Int32.self)
                    }
                }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(pids.count == 16)
        #expect(Set(pids).count <= 4)
        #expect(inUse.peak <= 4)
        #expect(pool.statistics.open <= 4)
        #expect(pool.statistics.waiting == 0)
        await pool.close()
    }

    @Test func aBrokenConnectionIsNotHandedOutAgain() async throws {
        let pool = ConnectionPool(configuration: TestDatabase.configuration, maxConnections: 1)
        let killer = try await TestDatabase.connect()
        let first = try await pool.withConnection { $0.backendPID }
        await #expect(throws: PostgresError.self) {
            try await pool.withConnection { connection in
                try await killer.execute("SELECT pg_terminate_backend($1)", connection.backendPID)
                try await connection.execute("SELECT 1")
            }
        }
        let second = try await pool.withConnection { connection in
            let rows = try await connection.query("SELECT 1")
            #expect(rows.count == 1)
            return connection.backendPID
        }
        #expect(first != second)
        await pool.close()
    }

    @Test func aConnectionLeftInATransactionIsClosed() async throws {
        let pool = ConnectionPool(configuration: TestDatabase.configuration, maxConnections: 1)
        let first = try await pool.withConnection { connection in
            try await connection.execute(script: "BEGIN")
            return connection.backendPID
        }
        let second = try await pool.withConnection { connection in
            #expect(connection.isIdle)
            return connection.backendPID
        }
        #expect(first != second)
        await pool.close()
    }

    @Test func aCancelledWaiterLeavesTheLine() async throws {
        let pool = ConnectionPool(configuration: TestDatabase.configuration, maxConnections: 1)
        let (held, release) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await pool.withConnection { _ in for await _ in held {} }
        }
        while pool.statistics.open == 0 || pool.statistics.idle == 1 { await Task.yield() }
        let waiter = Task { try await pool.withConnection { _ in "served" } }
        while pool.statistics.waiting == 0 { await Task.yield() }
        waiter.cancel()
        await #expect(throws: CancellationError.self) { try await waiter.value }
        #expect(pool.statistics.waiting == 0)
        release.finish()
        try await holder.value
        #expect(try await pool.withConnection { _ in "served" } == "served")
        await pool.close()
    }

    @Test func transactionsThroughThePool() async throws {
        let pool = ConnectionPool(configuration: TestDatabase.configuration, maxConnections: 2)
        let table = TestDatabase.uniqueName("pooled")
        try await pool.withConnection { try await $0.execute(script: "CREATE TABLE \(table) (n int)") }
        try await pool.transaction { tx in _ = try await tx.execute("INSERT INTO \(table) VALUES ($1)", 1) }
        let count = try await pool.withConnection { connection in
            try await connection.query("SELECT count(*) AS n FROM \(table)")[0].decode("n", as: Int.self)
        }
        #expect(count == 1)
        try await pool.withConnection { try await $0.execute(script: "DROP TABLE \(table)") }
        await pool.close()
    }

    @Test func aClosedPoolRefusesCallers() async throws {
        let pool = ConnectionPool(configuration: TestDatabase.configuration, maxConnections: 1)
        await pool.close()
        let error = await #expect(throws: PostgresError.self) { try await pool.withConnection { _ in } }
        #expect(error?.code == .connectionClosed)
    }
}
