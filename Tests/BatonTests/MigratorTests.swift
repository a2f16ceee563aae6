import Baton
import Foundation
import LibPQ
import Testing
import TestSupport

/// The migrator, each test in a database of its own.
@Suite struct MigratorTests {
    /// The tables of schema baton, sorted.
    func tables(on connection: Connection) async throws -> [String] {
        try await connection.query("SELECT tablename FROM pg_tables WHERE schemaname = 'baton' ORDER BY 1")
            .map { try $0.decode("tablename", as: String.self) }
    }

    /// The tables `baton migrate` makes.
    static let tables = ["cached_results", "clusters", "groups", "metrics_reading", "queues", "results", "schedule_runs", "schedules",
                         "schema_migrations", "schema_objects", "tasks", "unique_keys", "waiting_clusters"]

    @Test func migratingTwiceAppliesOnce() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let connection = try await Connection.connect(configuration)
            let migrator = Migrator()
            let first = try await migrator.migrate(on: connection)
            #expect(first.migrations == Migration.embedded)
            #expect(first.objects == SchemaObject.embedded)
            #expect(try await tables(on: connection) == Self.tables)
            let second = try await migrator.migrate(on: connection)
            #expect(second.isEmpty)
            let recorded = try await connection.query(
                "SELECT (SELECT count(*) FROM baton.schema_migrations) AS n, (SELECT count(*) FROM baton.schema_objects) AS o")
            #expect(try recorded[0].decode("n", as: Int.self) == Migration.embedded.count)
            #expect(try recorded[0].decode("o", as: Int.self) == SchemaObject.embedded.count)
            await connection.close()
        }
    }

    @Test func tenConcurrentMigratorsApplyEachFileOnce() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let applied = try await withThrowingTaskGroup(of: Migrator.Applied.self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        let connection = try await Connection.connect(configuration)
                        let applied = try await Migrator().migrate(on: connection)
                        await connection.close()
                        return applied
                    }
                }
                return try await group.reduce(into: [Migrator.Applied]()) { $0.append($1) }
            }
            #expect(applied.flatMap(\.migrations).sorted { $0.version < $1.version } == Migration.embedded)
            #expect(applied.flatMap(\.objects).sorted { $0.path < $1.path } == SchemaObject.embedded.sorted { $0.path < $1.path })
            let connection = try await Connection.connect(configuration)
            let versions = try await connection.query("SELECT version FROM baton.schema_migrations ORDER BY 1")
            #expect(try versions.map { try $0.decode("version", as: Int.self) } == Migration.embedded.map(\.version))
            await connection.close()
        }
    }

    @Test func aChangedMigrationIsRefused() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let connection = try await Connection.connect(configuration)
            try await Migrator().migrate(on: connection)
            let edited = Migration(fileName: "0001_tables.sql", sql: Migration.embedded[0].sql + "\n-- edited\n")
            let migrator = Migrator(migrations: [edited] + Migration.embedded.dropFirst())
            let error = await #expect(throws: BatonError.self) { try await migrator.migrate(on: connection) }
            #expect(error?.code == .migrationChanged)
            #expect(error?.message.contains("0001_tables.sql") == true)
            let status = try await migrator.status(on: connection)
            guard case .changed = status.first?.state else {
                Issue.record("status should call 0001 changed, not \(String(describing: status.first))")
                return
            }
            await connection.close()
        }
    }

    @Test func aFailingMigrationIsRolledBackAndNotRecorded() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let connection = try await Connection.connect(configuration)
            let next = Migration.embedded.count + 1
            let fileName = String(repeating: "0", count: 4 - String(next).count) + "\(next)_broken.sql"
            let broken = Migration(fileName: fileName, sql: "CREATE TABLE baton.half (n int);\nSELEC 1;")
            let migrator = Migrator(migrations: Migration.embedded + [broken])
            let error = await #expect(throws: PostgresError.self) { try await migrator.migrate(on: connection) }
            // The numbered migrations before it stay applied; the object files wait for the next run.
            #expect(error?.code == .syntaxError)
            #expect(error?.statement == "\(fileName) line 2")
            #expect(try await tables(on: connection) == Self.tables)
            let status = try await migrator.status(on: connection)
            #expect(status.last?.version == next)
            #expect(status.last?.state == .pending)
            await connection.close()
        }
    }

    @Test func statusListsPendingThenApplied() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let connection = try await Connection.connect(configuration)
            let migrator = Migrator()
            let before = try await migrator.status(on: connection)
            #expect(before.map(\.state) == Migration.embedded.map { _ in .pending })
            try await migrator.migrate(on: connection)
            let after = try await migrator.status(on: connection)
            for row in after {
                guard case .applied(let at) = row.state else { Issue.record("\(row) is not applied"); continue }
                #expect(abs(at.timeIntervalSinceNow) < 300)
            }
            #expect(after.map(\.name) == Migration.embedded.map(\.name))
            await connection.close()
        }
    }
}
