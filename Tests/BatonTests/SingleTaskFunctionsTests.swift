import Baton
import Foundation
import LibPQ
import Testing
import TestSupport

/// The one-task worker functions, which go through the batch ones (`complete_task` through
/// `complete_tasks`, `release_task` through `release_tasks`), called by SQL as a worker of
/// another language or of an earlier release calls them.
@Suite struct SingleTaskFunctionsTests {
    /// Claims the next task of `function` for `owner`; its id.
    func claim(_ function: String, owner: String, on connection: Connection) async throws -> UUID {
        let rows = try await connection.query("SELECT id FROM baton.claim_tasks(ARRAY[$1], 1, $2, '1 minute')", function, owner)
        return try #require(try rows.first?.decode("id", as: UUID.self))
    }

    @Test func completeTaskRecordsAnOutcomeAndMovesItsChainOn() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.pool.withConnection { connection in
                let chain = try await connection.query(
                    #"SELECT baton.async_chain('[["math.floor", [1.5]], ["math.floor", [2.5]]]', failure_policy => 'stop')"#)[0]
                    .decode(0, as: String.self)
                let first = try await claim("math.floor", owner: "sql-worker", on: connection)
                // Another owner's call changes nothing.
                #expect(try await connection.query("SELECT baton.complete_task($1, 'other', true, '1', NULL)", first)[0]
                    .decode(0, as: Bool.self) == false)
                #expect(try await connection.query("SELECT baton.complete_task($1, 'sql-worker', true, '1', NULL)", first)[0]
                    .decode(0, as: Bool.self) == true)
                let recorded = try await connection.query(
                    "SELECT result::text, worker FROM baton.results WHERE id = $1", first)
                #expect(try recorded[0].decode("result", as: String.self) == "1")
                #expect(try recorded[0].decode("worker", as: String.self) == "sql-worker")
                // The next link is queued, not leased: the caller named no functions of its own.
                let next = try await connection.query(
                    "SELECT state FROM baton.tasks WHERE group_id = $1 AND chain_position = 1", chain)
                #expect(try next[0].decode("state", as: String.self) == "queued")
                let second = try await claim("math.floor", owner: "sql-worker", on: connection)
                #expect(try await connection.query(
                    "SELECT baton.complete_task($1, 'sql-worker', false, NULL, 'it broke')", second)[0].decode(0, as: Bool.self))
                let failed = try await connection.query(
                    "SELECT success, error, errors FROM baton.results WHERE id = $1", second)
                #expect(try failed[0].decode("success", as: Bool.self) == false)
                #expect(try failed[0].decode("error", as: String.self) == "it broke")
                #expect(try failed[0].decode("errors", as: [String].self) == ["it broke"])
                let finished = try await connection.query("SELECT finished_at IS NOT NULL FROM baton.groups WHERE id = $1", chain)
                #expect(try finished[0].decode(0, as: Bool.self))
                // Recorded once: a second call finds no lease.
                #expect(try await connection.query("SELECT baton.complete_task($1, 'sql-worker', true, '1', NULL)", second)[0]
                    .decode(0, as: Bool.self) == false)
            }
        }
    }

    @Test func completeTaskRetriesAFailureWithAttemptsLeft() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.pool.withConnection { connection in
                let id = try await connection.query(
                    "SELECT baton.async_task('math.floor', '[1.5]', max_attempts => 2, retry_delay => '1 hour')")[0]
                    .decode(0, as: UUID.self)
                _ = try await claim("math.floor", owner: "sql-worker", on: connection)
                #expect(try await connection.query(
                    "SELECT baton.complete_task($1, 'sql-worker', false, NULL, 'first try')", id)[0].decode(0, as: Bool.self))
                let task = try await connection.query(
                    "SELECT state, errors, run_at > now() + interval '30 minutes' AS later FROM baton.tasks WHERE id = $1", id)
                #expect(try task[0].decode("state", as: String.self) == "queued")
                #expect(try task[0].decode("errors", as: [String].self) == ["first try"])
                #expect(try task[0].decode("later", as: Bool.self))
            }
        }
    }

    @Test func releaseTaskHandsATaskBackUnrun() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.pool.withConnection { connection in
                let id = try await connection.query("SELECT baton.async_task('math.floor', '[1.5]')")[0].decode(0, as: UUID.self)
                _ = try await claim("math.floor", owner: "sql-worker", on: connection)
                #expect(try await connection.query("SELECT baton.release_task($1, 'other')", id)[0].decode(0, as: Bool.self) == false)
                #expect(try await connection.query("SELECT baton.release_task($1, 'sql-worker')", id)[0].decode(0, as: Bool.self))
                let task = try await connection.query("SELECT state, attempts, lease_owner FROM baton.tasks WHERE id = $1", id)
                #expect(try task[0].decode("state", as: String.self) == "queued")
                #expect(try task[0].decode("attempts", as: Int.self) == 0)
                #expect(try task[0].decode("lease_owner", as: String?.self) == nil)
            }
        }
    }
}
