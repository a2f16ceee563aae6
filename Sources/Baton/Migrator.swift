import Foundation
import LibPQ

/// Applies the numbered SQL migrations in order, each in its own transaction, and records
/// them in `baton.schema_migrations`; then applies again, in one transaction, each file of
/// functions, views and triggers whose text differs from the one recorded in
/// `baton.schema_objects`.
///
/// Safe when many processes migrate at once: they queue on an advisory lock, and each
/// reads what is applied only once it holds it. Refuses to run when an applied numbered
/// file has changed since. Leaves the functions alone when the database holds a numbered
/// migration this program does not have: a later release migrated it, and its definitions
/// win over this program's older ones.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    public let objects: [SchemaObject]

    /// The advisory lock key every Baton migrator takes ("batonmig" in ASCII).
    static let lockKey: Int64 = 0x6261_746F_6E6D_6967

    public init(migrations: [Migration] = Migration.embedded, objects: [SchemaObject] = SchemaObject.embedded) {
        self.migrations = migrations.sorted { $0.version < $1.version }
        self.objects = objects
    }

    /// What one `migrate` call applied.
    public struct Applied: Sendable {
        public var migrations: [Migration] = []
        public var objects: [SchemaObject] = []
        /// Object files not applied because a later release migrated the database.
        public var leftToLaterRelease: [SchemaObject] = []

        public var isEmpty: Bool { migrations.isEmpty && objects.isEmpty }
    }

    /// Applies what is pending.
    /// - Returns: the migrations and object files this call applied (empty when the schema was current).
    /// - Throws: `BatonError.migrationChanged` naming the file whose checksum changed;
    ///   `PostgresError` when a migration's SQL fails (that migration is rolled back, and a
    ///   failing object file rolls back every object file of the call).
    @discardableResult
    public func migrate(on connection: Connection) async throws -> Applied {
        try await withLock(on: connection) {
            var applied = Applied()
            let (pending, migratedByLaterRelease) = try await check(on: connection)
            for migration in pending {
                do {
                    try await connection.transaction { tx in
                        try await tx.execute(script: migration.sql)
                        try await tx.execute(MigratorSQL.record, migration.version, migration.name, migration.sql)
                    }
                } catch var error as PostgresError {
                    error.statement = migration.location(of: error.position)
                    throw error
                }
                applied.migrations.append(migration)
            }
            let changed = try await changedObjects(on: connection)
            if migratedByLaterRelease {
                applied.leftToLaterRelease = changed
            } else if !changed.isEmpty {
                try await apply(changed, on: connection)
                applied.objects = changed
            }
            // Roles a DBA made since, or grants new functions need (baton.grant_roles).
            let rolesNeedGrants = try await connection.query(MigratorSQL.rolesNeedGrants)[0].decode(0, as: Bool.self)
            if !applied.objects.isEmpty || rolesNeedGrants {
                try await connection.execute(MigratorSQL.grantRoles)
            }
            return applied
        }
    }

    /// Applies `changed` in one transaction, bodies unchecked until all are in (a function
    /// may call one defined in a later file), and records their checksums.
    private func apply(_ changed: [SchemaObject], on connection: Connection) async throws {
        try await connection.transaction { tx in
            try await tx.execute(MigratorSQL.bodiesUnchecked)
            for object in changed {
                do {
                    try await tx.execute(script: object.sql)
                } catch var error as PostgresError {
                    error.statement = object.location(of: error.position)
                    throw error
                }
                try await tx.execute(MigratorSQL.recordObject, object.path, object.sql)
            }
        }
    }

    /// The object files whose text differs from what `baton.schema_objects` recorded (all
    /// of them before 0019 made it).
    public func changedObjects(on connection: Connection) async throws -> [SchemaObject] {
        guard try await connection.query(MigratorSQL.objectsTableExists)[0].decode(0, as: Bool.self) else { return objects }
        let recorded = try await connection.query(MigratorSQL.objectsRecorded, objects.map(\.path), objects.map(\.sql))
        let changed = Set(try recorded.filter { try !$0.decode("current", as: Bool.self) }.map { try $0.decode("path", as: String.self) })
        return objects.filter { changed.contains($0.path) }
    }

    /// The whole current schema as one script, for review or for psql: the migrations
    /// table, the numbered migrations in order, every object file, each under a comment
    /// naming its file, and the roles' grants. It records no migration as applied, so a
    /// database made with it is not one `baton migrate` can carry on.
    public var script: String {
        var text = "-- Baton's schema: migrations/ in the order `baton migrate` applies it.\n\n\(MigratorSQL.bootstrap);\n"
        for migration in migrations { text += "\n-- migrations/\(migration.fileName)\n\(migration.sql)" }
        text += "\n-- Bodies are checked once every function is in.\nSET check_function_bodies = off;\n"
        for object in objects { text += "\n-- migrations/\(object.path)\n\(object.sql)" }
        return text + "\nRESET check_function_bodies;\n\n\(MigratorSQL.grantRoles);\n"
    }

    private func withLock<R: Sendable>(
        on connection: Connection, _ body: () async throws -> R
    ) async throws -> R {
        try await connection.execute(MigratorSQL.lock, Self.lockKey)
        do {
            let value = try await body()
            try await connection.execute(MigratorSQL.unlock, Self.lockKey)
            return value
        } catch {
            _ = try? await connection.execute(MigratorSQL.unlock, Self.lockKey)
            throw error
        }
    }
}
