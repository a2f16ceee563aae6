import Foundation
import LibPQ

/// Applies the numbered SQL migrations in order, each in its own transaction, and records
/// them in `baton.schema_migrations`.
///
/// Safe when many processes migrate at once: they queue on an advisory lock, and each
/// reads what is applied only once it holds it. Refuses to run when an applied file has
/// changed since.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// The advisory lock key every Baton migrator takes ("batonmig" in ASCII).
    static let lockKey: Int64 = 0x6261_746F_6E6D_6967

    public init(migrations: [Migration] = Migration.embedded) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies what is pending.
    /// - Returns: the migrations this call applied (empty when the schema was current).
    /// - Throws: `BatonError.migrationChanged` naming the file whose checksum changed;
    ///   `PostgresError` when a migration's SQL fails (that migration is rolled back).
    @discardableResult
    public func migrate(on connection: Connection) async throws -> [Migration] {
        try await withLock(on: connection) {
            let pending = try await check(on: connection)
            for migration in pending {
                do {
                    try await connection.transaction { tx in
                        try await tx.execute(script: migration.sql)
                        try await tx.execute(SQL.record, migration.version, migration.name, migration.sql)
                    }
                } catch var error as PostgresError {
                    error.statement = migration.location(of: error.position)
                    throw error
                }
            }
            // Roles a DBA made since, or grants a new migration needs (baton.grant_roles, 0010).
            if try await connection.query(SQL.rolesNeedGrants)[0].decode(0, as: Bool.self) {
                try await connection.execute(SQL.grantRoles)
            }
            return pending
        }
    }

    /// Baton's roles (baton_enqueue, baton_worker, baton_read) that do not exist: the role
    /// that migrated could not create them (it lacks CREATEROLE).
    public func missingRoles(on connection: Connection) async throws -> [String] {
        try await connection.query(SQL.missingRoles).map { try $0.decode(0) }
    }

    /// What a DBA runs to create the missing roles; `baton migrate` then grants them.
    public static func createRolesAdvice(_ missing: [String]) -> String {
        "as a role with CREATEROLE, run: " + missing.map { "CREATE ROLE \($0) NOLOGIN;" }.joined(separator: " ")
            + " then run baton migrate again to grant them their rights (docs/security.md)"
    }

    /// What is applied and what is pending, without changing anything.
    public func status(on connection: Connection) async throws -> [MigrationStatus] {
        let applied = try await appliedMigrations(on: connection)
        let checksums = try await checksums(on: connection)
        var rows = migrations.map { migration in
            guard let record = applied[migration.version] else {
                return MigrationStatus(version: migration.version, name: migration.name, state: .pending)
            }
            let changed = record.checksum != checksums[migration.version]
            return MigrationStatus(
                version: migration.version, name: migration.name,
                state: changed ? .changed(appliedAt: record.appliedAt) : .applied(at: record.appliedAt))
        }
        let known = Set(migrations.map(\.version))
        for (version, record) in applied where !known.contains(version) {
            rows.append(MigrationStatus(version: version, name: record.name, state: .unknown(appliedAt: record.appliedAt)))
        }
        return rows.sorted { $0.version < $1.version }
    }

    /// The pending migrations; throws when an applied one changed.
    private func check(on connection: Connection) async throws -> [Migration] {
        try await connection.execute(script: SQL.bootstrap)
        let statuses = try await status(on: connection)
        if let changed = statuses.first(where: { if case .changed = $0.state { true } else { false } }),
           let migration = migrations.first(where: { $0.version == changed.version }) {
            throw BatonError(
                code: .migrationChanged,
                message: "migration \(migration.fileName) was changed after it was applied to this database "
                    + "(its checksum differs from the one recorded in baton.schema_migrations); "
                    + "restore the file and put the change in a new migration")
        }
        let pending = Set(statuses.filter { $0.state == .pending }.map(\.version))
        return migrations.filter { pending.contains($0.version) }
    }

    private func withLock<R: Sendable>(
        on connection: Connection, _ body: () async throws -> R
    ) async throws -> R {
        try await connection.execute("SELECT pg_advisory_lock($1)", Self.lockKey)
        do {
            let value = try await body()
            try await connection.execute("SELECT pg_advisory_unlock($1)", Self.lockKey)
            return value
        } catch {
            _ = try? await connection.execute("SELECT pg_advisory_unlock($1)", Self.lockKey)
            throw error
        }
    }

    private struct Record {
        let name: String
        let checksum: String
        let appliedAt: Date
    }

    private func appliedMigrations(on connection: Connection) async throws -> [Int: Record] {
        let exists = try await connection.query(SQL.tableExists)
        guard try exists.first?.decode(0, as: Bool.self) == true else { return [:] }
        var records: [Int: Record] = [:]
        for row in try await connection.query(SQL.applied) {
            records[try row.decode("version")] = Record(
                name: try row.decode("name"), checksum: try row.decode("checksum"),
                appliedAt: try row.decode("applied_at"))
        }
        return records
    }

    /// The SHA-256 of every migration's SQL, computed by the server.
    private func checksums(on connection: Connection) async throws -> [Int: String] {
        let result = try await connection.query(SQL.checksums, migrations.map(\.sql))
        var checksums: [Int: String] = [:]
        for (migration, row) in zip(migrations, result) { checksums[migration.version] = try row.decode(0) }
        return checksums
    }

    private enum SQL {
        /// The migrations table itself, before any migration runs.
        static let bootstrap = """
            CREATE SCHEMA IF NOT EXISTS baton;
            CREATE TABLE IF NOT EXISTS baton.schema_migrations (
                version    integer PRIMARY KEY,
                name       text NOT NULL,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """
        /// Whether baton.schema_migrations exists (status may run on an empty database).
        static let tableExists = "SELECT to_regclass('baton.schema_migrations') IS NOT NULL"
        /// Every applied migration (primary key scan).
        static let applied = "SELECT version, name, checksum, applied_at FROM baton.schema_migrations"
        /// SHA-256 of each file's text, in the order given.
        static let checksums = """
            SELECT encode(sha256(convert_to(sql, 'UTF8')), 'hex')
            FROM unnest($1::text[]) WITH ORDINALITY AS files (sql, position) ORDER BY position
            """
        /// Whether Baton's roles are missing or lack their grants, once 0010 made baton.grant_roles.
        static let rolesNeedGrants = """
            SELECT to_regprocedure('baton.grant_roles()') IS NOT NULL AND EXISTS (
                SELECT 1 FROM unnest(ARRAY['baton_enqueue', 'baton_worker', 'baton_read']) AS r (name)
                LEFT JOIN pg_roles ON rolname = r.name
                WHERE pg_roles.oid IS NULL OR NOT has_schema_privilege(pg_roles.oid, 'baton', 'USAGE'))
            """
        static let grantRoles = "SELECT baton.grant_roles()"
        static let missingRoles = """
            SELECT r.name FROM unnest(ARRAY['baton_enqueue', 'baton_worker', 'baton_read']) AS r (name)
            WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r.name)
            """
        /// Records one applied migration with the checksum of its text.
        static let record = """
            INSERT INTO baton.schema_migrations (version, name, checksum)
            VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'))
            """
    }
}

/// One migration's state in a database.
public struct MigrationStatus: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case applied(at: Date)
        case pending
        /// Applied, but the file differs from what was applied.
        case changed(appliedAt: Date)
        /// Applied by a newer program: this one does not have the file.
        case unknown(appliedAt: Date)
    }

    public let version: Int
    public let name: String
    public let state: State
}
