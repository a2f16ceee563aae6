import Baton
import Foundation
import Testing
import TestSupport

/// `baton health`, for container health checks.
@Suite struct HealthCommandTests {
    @Test func healthyOnlyWhenReachableAndMigrated() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let url = configuration.description
            let empty = try TestDatabase.runWithStatus(try Binaries.path("baton"), ["health", "--database-url", url])
            #expect(empty.status == 1)
            #expect(empty.error.contains("migrations pending"))
            let connection = try await Connection.connect(configuration)
            try await Migrator().migrate(on: connection)
            await connection.close()
            let migrated = try TestDatabase.runWithStatus(try Binaries.path("baton"), ["health", "--database-url", url])
            #expect(migrated.status == 0, "\(migrated.error)")
        }
        let unreachable = try TestDatabase.runWithStatus(
            try Binaries.path("baton"), ["health", "--database-url", "postgres://a:secret@127.0.0.1:1/x"])
        #expect(unreachable.status == 1)
        #expect(unreachable.error.contains("unhealthy"))
        #expect(!unreachable.error.contains("secret"))
    }
}

/// Commands against a host that never answers end in bounded time.
@Suite struct SilentDatabaseTests {
    @Test func healthIsUnhealthyWithinItsTimeout() async throws {
        let server = try SilentServer()
        let started = ContinuousClock.now
        let run = try TestDatabase.runWithStatus(
            try Binaries.path("baton"), ["health", "--timeout", "2", "--database-url", server.url()])
        let elapsed = ContinuousClock.now - started
        #expect(run.status == 1)
        #expect(run.error.contains("unhealthy: no answer within 2.0 s"), "\(run.error)")
        #expect(elapsed < .seconds(5), "took \(elapsed)")
    }

    @Test func aClusterSentSigtermWhileConnectingExitsAtOnce() async throws {
        let server = try SilentServer()
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_DATABASE_URL"] = server.url("connect_timeout=120")
        let cluster = try Binaries.start("baton", ["cluster", "--workers", "1"], environment: environment)
        try await Task.sleep(for: .milliseconds(500))
        #expect(cluster.isRunning, "still connecting")
        let signalled = ContinuousClock.now
        kill(cluster.processIdentifier, SIGTERM)
        let exited = try await waitUntil(.seconds(10)) { !cluster.isRunning }
        if !exited { kill(cluster.processIdentifier, SIGKILL) }
        #expect(exited && ContinuousClock.now - signalled < .seconds(3), "exited \(ContinuousClock.now - signalled) after SIGTERM")
        #expect(cluster.terminationStatus == 0, "a stop asked for is a clean exit")
    }
}
