import Baton
import Foundation
import LibPQ
import Testing
import TestSupport

/// The queue table's checks (column domains since 0030, and the table's own checks of
/// `func`, `queue` and across columns), the last guard for rows written without Baton's
/// functions: each bad value is refused with check_violation, whether a row is inserted with
/// it or updated to it, and the row stays as it was.
@Suite struct TaskChecksTests {
    /// A column, a value it refuses and one it takes, as SQL literals.
    static let values: [(column: String, bad: String, good: String)] = [
        ("func", "''", "'baton.echo'"),
        ("hook", "''", "'baton.echo'"),
        ("args", #"'{"a": 1}'"#, "'[1]'"),
        ("kwargs", "'[1]'", #"'{"a": 1}'"#),
        ("chain_position", "-1", "0"),
        ("attempts", "-1", "3"),
        ("lost_leases", "-1", "2"),
        ("max_attempts", "0", "5"),
        ("state", "'done'", "'waiting'"),
        ("cache_ttl", "'0 s'", "'1 s'"),
        ("timeout", "'-1 s'", "'1 s'"),
        ("unique_for", "'0 s'", "'1 h'"),
        ("retry_delay", "'-1 s'", "'0 s'"),
        ("unique_key", "''", "'key'"),
        ("unique_key", "repeat('k', 501)", "repeat('k', 500)"),
        ("queue", "'a b'", "'mail.high'"),
        ("queue", "repeat('q', 129)", "repeat('q', 128)"),
        ("queue", "'<script>'", "'q:1'"),
        ("trace", #"'{"traceparent": 1}'"#, #"'{"traceparent": "00-x"}'"#),
        ("trace", "'[]'", "'{}'"),
        ("trace", #"jsonb_build_object('t', repeat('x', 9000))"#, #"jsonb_build_object('t', repeat('x', 8000))"#),
    ]

    @Test func badValuesAreRefusedOnInsertAndOnUpdate() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.pool.withConnection { connection in
                let id = try await connection.query(
                    "INSERT INTO baton.tasks (id, name, func) VALUES (baton.new_id(), 'f', 'f') RETURNING id")[0]
                    .decode(0, as: UUID.self)
                let before = try await Self.row(id, on: connection)
                for (column, bad, good) in Self.values {
                    let inserted = await #expect(throws: PostgresError.self, "\(column) = \(bad)") {
                        try await connection.execute(script: """
                            INSERT INTO baton.tasks (id, name\(column == "func" ? "" : ", func"), \(column))
                            VALUES (baton.new_id(), 'f'\(column == "func" ? "" : ", 'f'"), \(bad))
                            """)
                    }
                    #expect(inserted?.code == .checkViolation, "\(column) = \(bad): \(inserted?.message ?? "")")
                    let updated = await #expect(throws: PostgresError.self, "\(column) = \(bad)") {
                        try await connection.execute("UPDATE baton.tasks SET \(column) = \(bad) WHERE id = $1", id)
                    }
                    #expect(updated?.code == .checkViolation, "\(column) = \(bad): \(updated?.message ?? "")")
                    #expect(try await Self.row(id, on: connection) == before, "\(column) = \(bad)")
                    // The value beside it passes, in a transaction rolled back.
                    try await connection.execute(script: "BEGIN")
                    try await connection.execute("UPDATE baton.tasks SET \(column) = \(good) WHERE id = $1", id)
                    try await connection.execute(script: "ROLLBACK")
                }
                // The check across columns: a running task holds a lease, and only a running one does.
                for change in ["state = 'running'", "lease_expires_at = now()"] {
                    let error = await #expect(throws: PostgresError.self, "\(change)") {
                        try await connection.execute("UPDATE baton.tasks SET \(change) WHERE id = $1", id)
                    }
                    #expect(error?.code == .checkViolation, "\(change)")
                }
                #expect(try await connection.query("SELECT count(*) FROM baton.tasks")[0].decode(0, as: Int.self) == 1)
                #expect(try await Self.row(id, on: connection) == before)
            }
        }
    }

    /// The refusal names the value's kind: the domain of its column.
    @Test func aRefusalNamesTheColumnsDomain() async throws {
        try await TestDatabase.withBroker { broker in
            let error = await #expect(throws: PostgresError.self) {
                try await broker.pool.withConnection { connection in
                    try await connection.execute(script: """
                        INSERT INTO baton.tasks (id, name, func, max_attempts) VALUES (baton.new_id(), 'f', 'f', 0)
                        """)
                }
            }
            #expect(error?.message.contains("domain attempt_limit") == true, "\(error?.message ?? "")")
        }
    }

    static func row(_ id: UUID, on connection: Connection) async throws -> String {
        try await connection.query("SELECT to_jsonb(t)::text FROM baton.tasks AS t WHERE id = $1", id)[0]
            .decode(0, as: String.self)
    }
}
