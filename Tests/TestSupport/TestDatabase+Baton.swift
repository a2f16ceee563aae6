import Baton

extension TestDatabase {
    /// Runs `body` with a broker on a new database with Baton's schema, dropped afterwards.
    public static func withBroker(
        registry: TaskRegistry = .stock, _ body: (Broker) async throws -> Void
    ) async throws {
        try await withMigratedDatabase { configuration in
            try await Broker.with(configuration: configuration, registry: registry, body)
        }
    }

    /// Runs `body` against a new database with Baton's schema, dropped afterwards: a copy of
    /// a template migrated once for this build's SQL (`MigratedTemplate`), so that a test
    /// run migrates once rather than once a test.
    public static func withMigratedDatabase(_ body: (ConnectionConfiguration) async throws -> Void) async throws {
        let template = try await MigratedTemplate.shared.name()
        try await DatabaseGate.shared.withPlace { try await withNewDatabase(from: template, body) }
    }
}

extension Broker {
    /// Runs statements separated by `;` and a line break, one at a time, as a test sets up work by SQL.
    public func execute(statements sql: String) async throws {
        for statement in sql.components(separatedBy: ";\n") where !statement.isEmpty {
            _ = try await pool.withConnection { try await $0.query(statement) }
        }
    }
}
