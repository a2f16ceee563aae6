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

    @Test func embeddedMigrationsEqualTheFiles() throws {
        let folder = TestDatabase.repositoryRoot.appendingPathComponent("migrations")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(!names.isEmpty)
        #expect(Migration.embedded.map(\.fileName) == names, "run `make migrations` to embed them again")
        for (migration, name) in zip(Migration.embedded, names) {
            let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
            #expect(migration.sql == text, "\(name) differs from its embedded copy: run `make migrations`")
        }
        let versions = Migration.embedded.map(\.version)
        #expect(versions == Array(1...versions.count), "migrations are numbered 0001, 0002, ... without gaps")
    }

    @Test func migratingTwiceAppliesOnce() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let connection = try await Connection.connect(configuration)
            let migrator = Migrator()
            let first = try await migrator.migrate(on: connection)
            #expect(first == Migration.embedded)
            #expect(try await tables(on: connection) == ["cached_results", "clusters", "groups", "results", "schema_migrations", "tasks", "waiting_clusters"])
            let second = try await migrator.migrate(on: connection)
            #expect(second.isEmpty)
            let recorded = try await connection.query("SELECT count(*) AS n FROM baton.schema_migrations")
            #expect(try recorded[0].decode("n", as: Int.self) == Migration.embedded.count)
            await connection.close()
        }
    }

    @Test func tenConcurrentMigratorsApplyEachFileOnce() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let applied = try await withThrowingTaskGroup(of: [Migration].self) { group in
                for _ in 0..<10 {
                    group.addTask {
                        let connection = try await Connection.connect(configuration)
                        let applied = try await Migrator().migrate(on: connection)
                        await connection.close()
                        return applied
                    }
                }
                return try await group.reduce(into: [Migration]()) { $0 += $1 }
            }
            #expect(applied.sorted { $0.version < $1.version } == Migration.embedded)
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
            #expect(error?.code == .syntaxError)
            #expect(error?.statement == "\(fileName) line 2")
            #expect(try await tables(on: connection) == ["cached_results", "clusters", "groups", "results", "schema_migrations", "tasks", "waiting_clusters"])
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
