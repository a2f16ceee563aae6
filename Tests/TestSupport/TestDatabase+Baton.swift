import Baton

extension TestDatabase {
    /// Runs `body` with a broker on a new database with Baton's schema, dropped afterwards.
    public static func withBroker(
        registry: TaskRegistry = .stock, _ body: (Broker) async throws -> Void
    ) async throws {
        try await withTemporaryDatabase { configuration in
            let connection = try await Connection.connect(configuration)
            try await Migrator().migrate(on: connection)
            await connection.close()
            try await Broker.with(configuration: configuration, registry: registry, body)
        }
    }
}
