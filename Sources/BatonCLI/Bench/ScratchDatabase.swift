import Baton

/// A database the bench makes for one measurement on the configured server, and drops
/// afterwards however the measurement ends.
enum ScratchDatabase {
    /// Creates `name`, runs `body` on its configuration, and drops it.
    static func with<R>(
        _ name: String, on server: ConnectionConfiguration, _ body: (ConnectionConfiguration) async throws -> R
    ) async throws -> R {
        try await administer(BenchSQL.createDatabase(name), on: server)
        do {
            let result = try await body(server.with(database: name))
            try await administer(BenchSQL.dropDatabase(name), on: server)
            return result
        } catch {
            try? await administer(BenchSQL.dropDatabase(name), on: server)
            throw error
        }
    }

    /// Runs one statement on a connection to the server's own database.
    private static func administer(_ statement: String, on server: ConnectionConfiguration) async throws {
        let admin = try await Connection.connect(server)
        do {
            try await admin.execute(script: statement)
            await admin.close()
        } catch {
            await admin.close()
            throw error
        }
    }
}
