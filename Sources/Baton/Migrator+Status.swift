import Foundation
import LibPQ

/// What is applied, what is pending, and the roles.
extension Migrator {
    /// Baton's roles (baton_enqueue, baton_worker, baton_read) that do not exist: the role
    /// that migrated could not create them (it lacks CREATEROLE).
    public func missingRoles(on connection: Connection) async throws -> [String] {
        try await connection.query(MigratorSQL.missingRoles).map { try $0.decode(0) }
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
                && record.checksum != Migration.checksumsBefore0019[migration.version]
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

    /// The pending migrations, and whether the database holds one this program does not
    /// have (a later release migrated it); throws when an applied one changed.
    func check(on connection: Connection) async throws -> (pending: [Migration], migratedByLaterRelease: Bool) {
        try await connection.execute(script: MigratorSQL.bootstrap)
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
        let later = statuses.contains { if case .unknown = $0.state { true } else { false } }
        return (migrations.filter { pending.contains($0.version) }, later)
    }

    private struct Record {
        let name: String
        let checksum: String
        let appliedAt: Date
    }

    private func appliedMigrations(on connection: Connection) async throws -> [Int: Record] {
        let exists = try await connection.query(MigratorSQL.tableExists)
        guard try exists.first?.decode(0, as: Bool.self) == true else { return [:] }
        var records: [Int: Record] = [:]
        for row in try await connection.query(MigratorSQL.applied) {
            records[try row.decode("version")] = Record(
                name: try row.decode("name"), checksum: try row.decode("checksum"),
                appliedAt: try row.decode("applied_at"))
        }
        return records
    }

    /// The SHA-256 of every migration's SQL, computed by the server.
    private func checksums(on connection: Connection) async throws -> [Int: String] {
        let result = try await connection.query(MigratorSQL.checksums, migrations.map(\.sql))
        var checksums: [Int: String] = [:]
        for (migration, row) in zip(migrations, result) { checksums[migration.version] = try row.decode(0) }
        return checksums
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
