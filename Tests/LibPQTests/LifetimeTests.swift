@testable import LibPQ
import Testing
import TestSupport

/// Connections and results are freed: the server sees the session end, the objects go.
@Suite struct LifetimeTests {
    /// Whether the server still has a session with this process id, asked until `expected` or 5 s.
    func backendExists(_ pid: Int32, becomes expected: Bool, observer: Connection) async throws -> Bool {
        for _ in 0..<100 {
            let rows = try await observer.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1", pid)
            if rows.isEmpty != expected { return expected }
            try await Task.sleep(for: .milliseconds(50))
        }
        return !expected
    }

    @Test func closingFinishesTheSessionAndFreesTheConnection() async throws {
        let observer = try await TestDatabase.connect()
        weak var core: ConnectionCore?
        var pid: Int32 = 0
        do {
            let connection = try await TestDatabase.connect()
            core = connection.core
            pid = connection.backendPID
            #expect(try await backendExists(pid, becomes: true, observer: observer))
            await connection.close()
        }
        #expect(try await backendExists(pid, becomes: false, observer: observer) == false)
        for _ in 0..<100 where core != nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(core == nil)
    }

    @Test func droppingAConnectionClosesIt() async throws {
        let observer = try await TestDatabase.connect()
        var pid: Int32 = 0
        do {
            let connection = try await TestDatabase.connect()
            pid = connection.backendPID
            _ = try await connection.query("SELECT 1")
        }
        #expect(try await backendExists(pid, becomes: false, observer: observer) == false)
    }

    @Test func resultsAreFreedWhenLastUsed() async throws {
        let connection = try await TestDatabase.connect()
        weak var result: QueryResult?
        do {
            let rows = try await connection.query("SELECT generate_series(1, 10) AS n")
            result = rows
            #expect(rows.count == 10)
        }
        for _ in 0..<100 where result != nil { try await Task.sleep(for: .milliseconds(10)) }
        #expect(result == nil)
    }
}
