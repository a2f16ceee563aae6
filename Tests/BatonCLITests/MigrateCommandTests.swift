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
            #expect(run.output.contains("applied functions/baton.complete_tasks.sql"))
            #expect(run.output.contains("applied triggers/baton.tasks_wake.sql"))
            let connection = try await Connection.connect(configuration)
            let tables = try await connection.query(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'baton' ORDER BY 1")
            #expect(try tables.map { try $0.decode("tablename", as: String.self) }
                == ["cached_results", "clusters", "groups", "metrics_reading", "queues", "results", "schedule_runs", "schedules",
                    "schema_migrations", "schema_objects", "tasks", "unique_keys", "waiting_clusters"])
            await connection.close()
            let again = try TestDatabase.runWithStatus(try baton, ["migrate", "--database-url", url])
            #expect(again.output.contains("schema is current"))
            let status = try TestDatabase.runWithStatus(try baton, ["migrate", "--status", "--database-url", url])
            #expect(status.output.contains("0019 schema_objects  applied"))
            #expect(!status.output.contains("differs"))
        }
    }

    /// The whole schema, with no database at all: every numbered file, then every object file.
    @Test func printWritesTheWholeSchemaWithoutADatabase() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_DATABASE_URL"] = "postgres://nobody@127.0.0.1:1/none"
        let run = try TestDatabase.runWithStatus(try baton, ["migrate", "--print"], environment: environment)
        #expect(run.status == 0, "\(run.error)")
        let tables = try #require(run.output.range(of: "-- migrations/0001_tables.sql\n"))
        let complete = try #require(run.output.range(of: "-- migrations/functions/baton.complete_tasks.sql\n"))
        let trigger = try #require(run.output.range(of: "-- migrations/triggers/baton.tasks_wake.sql\n"))
        #expect(tables.upperBound < complete.lowerBound && complete.upperBound < trigger.lowerBound)
        #expect(run.output.components(separatedBy: "CREATE OR REPLACE FUNCTION baton.claim_tasks(").count == 2)
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
