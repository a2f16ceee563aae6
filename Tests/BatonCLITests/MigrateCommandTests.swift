import Foundation
import LibPQ
import Testing
import TestSupport

/// `baton migrate` as a user runs it: the built binary, against a new database.
@Suite struct MigrateCommandTests {
    var baton: String { get throws { try Binaries.path("baton") } }

    @Test func migrateCreatesTheSchemaInAnEmptyDatabase() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let url = configuration.description
            let before = try TestDatabase.runWithStatus(try baton, ["migrate", "--status", "--database-url", url])
            #expect(before.status == 0)
            #expect(before.output.contains("0001 tables  pending"))
            let run = try TestDatabase.runWithStatus(try baton, ["migrate", "--database-url", url])
            #expect(run.status == 0, "\(run.error)")
            #expect(run.output.contains("applied 0001_tables.sql"))
            let connection = try await Connection.connect(configuration)
            let tables = try await connection.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'baton' ORDER BY 1")
            #expect(try tables.map { try $0.decode("tablename", as: String.self) }
                == ["cached_results", "clusters", "groups", "results", "schema_migrations", "tasks", "waiting_clusters"])
            await connection.close()
            let again = try TestDatabase.runWithStatus(try baton, ["migrate", "--database-url", url])
            #expect(again.output.contains("schema is current"))
        }
    }

    @Test func anUnreachableDatabaseIsAClearErrorWithoutThePassword() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_DATABASE_URL"] = "postgres://app:hunter2@127.0.0.1:1/shop"
        let run = try TestDatabase.runWithStatus(try baton, ["migrate"], environment: environment)
        #expect(run.status != 0)
        #expect(run.error.contains("could not connect to postgres://app@127.0.0.1:1/shop"))
        #expect(!run.error.contains("hunter2"))
        #expect(!run.output.contains("hunter2"))
    }
}
