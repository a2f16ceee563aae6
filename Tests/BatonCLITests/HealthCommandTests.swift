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
