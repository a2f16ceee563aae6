import Baton
import Foundation
import LibPQ
import Testing
import TestSupport

/// The layout of migrations/: numbered files for what must be migrated, one file per
/// function, view and trigger for its current definition, embedded by the build.
@Suite struct SchemaFilesTests {
    static let folder = TestDatabase.repositoryRoot.appendingPathComponent("migrations")

    static func sqlFiles(_ folder: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
    }

    @Test func theBinaryEmbedsTheFilesAsTheyAre() throws {
        let names = try Self.sqlFiles(Self.folder)
        #expect(Migration.embedded.map(\.fileName) == names)
        for (migration, name) in zip(Migration.embedded, names) {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8)
            #expect(migration.sql == text, "\(name) differs from what the build embedded")
        }
        let versions = Migration.embedded.map(\.version)
        #expect(versions == Array(1...versions.count), "migrations are numbered 0001, 0002, ... without gaps")
        let paths = try ["functions", "views", "triggers"].flatMap { kind in
            try Self.sqlFiles(Self.folder.appendingPathComponent(kind)).map { "\(kind)/\($0)" }
        }
        #expect(SchemaObject.embedded.map(\.path) == paths, "functions first, then views, then triggers")
        for object in SchemaObject.embedded {
            let text = try String(contentsOf: Self.folder.appendingPathComponent(object.path), encoding: .utf8)
            #expect(object.sql == text, "\(object.path) differs from what the build embedded")
        }
    }

    /// Each file defines the one object it is named after; no numbered file defines any.
    @Test func eachObjectIsDefinedInOneFileNamedAfterIt() throws {
        let definition = /(?m)^CREATE (?:OR REPLACE )?(?:CONSTRAINT )?(FUNCTION|VIEW|TRIGGER) (?:baton\.)?([a-z_]+)/
        for object in SchemaObject.embedded {
            let found = object.sql.matches(of: definition).map { "\($0.1.lowercased())s/baton.\($0.2).sql" }
            #expect(found == [object.path], "\(object.path) defines \(found)")
        }
        for migration in Migration.embedded {
            let found = migration.sql.matches(of: definition).map { "\($0.2)" }
            #expect(found.isEmpty, "\(migration.fileName) defines \(found): put each in a file of its own")
        }
    }

    @Test func aChangedFunctionFileIsAppliedAgainAndOnlyIt() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let connection = try await Connection.connect(configuration)
            try await Migrator().migrate(on: connection)
            let edited = try Self.editing("functions/baton.next_due.sql") {
                $0.replacingOccurrences(of: "LANGUAGE sql STABLE", with: "LANGUAGE sql STABLE COST 7")
            }
            let applied = try await edited.migrate(on: connection)
            #expect(applied.migrations.isEmpty)
            #expect(applied.objects.map(\.path) == ["functions/baton.next_due.sql"])
            let cost = try await connection.query("SELECT procost FROM pg_proc WHERE oid = 'baton.next_due(text[], text)'::regprocedure")
            #expect(try cost[0].decode(0, as: Double.self) == 7)
            #expect(try await edited.migrate(on: connection).isEmpty)
            #expect(try await edited.changedObjects(on: connection).isEmpty)
            // The embedded file differs from the database's again: put back on the next run.
            #expect(try await Migrator().changedObjects(on: connection).map(\.path) == ["functions/baton.next_due.sql"])
            await connection.close()
        }
    }

    @Test func aFailingFunctionFileRollsBackEveryFileOfItsRun() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let connection = try await Connection.connect(configuration)
            try await Migrator().migrate(on: connection)
            var edited = try Self.editing("functions/baton.next_due.sql") { $0 + "\n-- changed\n" }
            edited = try Self.editing("functions/baton.retry_backoff.sql", in: edited) { $0 + "\nSELEC 1;\n" }
            let error = await #expect(throws: PostgresError.self) { try await edited.migrate(on: connection) }
            #expect(error?.code == .syntaxError)
            #expect(error?.statement?.hasPrefix("functions/baton.retry_backoff.sql line ") == true)
            #expect(try await edited.changedObjects(on: connection).map(\.path)
                == ["functions/baton.next_due.sql", "functions/baton.retry_backoff.sql"])
            await connection.close()
        }
    }

    /// A worker of the earlier release started with --migrate while the later one runs.
    @Test func anEarlierReleaseLeavesALaterOnesFunctionsAlone() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let connection = try await Connection.connect(configuration)
            let next = Migration.embedded.count + 1
            let laterMigration = Migration(fileName: "00\(next)_later.sql", sql: "-- a later release\n")
            let later = try Self.editing("functions/baton.next_due.sql",
                                         in: Migrator(migrations: Migration.embedded + [laterMigration])) {
                $0.replacingOccurrences(of: "LANGUAGE sql STABLE", with: "LANGUAGE sql STABLE COST 9")
            }
            try await later.migrate(on: connection)
            let earlier = try await Migrator().migrate(on: connection)
            #expect(earlier.isEmpty)
            #expect(earlier.leftToLaterRelease.map(\.path) == ["functions/baton.next_due.sql"])
            let cost = try await connection.query("SELECT procost FROM pg_proc WHERE oid = 'baton.next_due(text[], text)'::regprocedure")
            #expect(try cost[0].decode(0, as: Double.self) == 9)
            await connection.close()
        }
    }

    /// A database migrated by the release before 0019 (tests/Fixtures/schema-0018.sql.gz:
    /// `pg_dump -n baton --no-owner --no-privileges --inserts` of it) migrates to the schema a
    /// new database gets, and keeps its records, so that the earlier release stays healthy.
    @Test func aDatabaseOfTheReleaseBefore0019UpgradesToTheCurrentSchema() async throws {
        try await TestDatabase.withMigratedDatabase { fresh in
            try await TestDatabase.withTemporaryDatabase { old in
                let connection = try await Connection.connect(old)
                try await connection.execute(script: try Self.release0018Dump())
                let before = try await connection.query("SELECT version, checksum FROM baton.schema_migrations ORDER BY 1")
                    .map { "\(try $0.decode(0, as: Int.self)) \(try $0.decode(1, as: String.self))" }
                let applied = try await Migrator().migrate(on: connection)
                #expect(applied.migrations.map(\.fileName) == Migration.embedded.filter { $0.version >= 19 }.map(\.fileName))
                #expect(applied.migrations.first?.fileName == "0019_schema_objects.sql")
                #expect(applied.objects == SchemaObject.embedded)
                let after = try await connection.query("SELECT version, checksum FROM baton.schema_migrations ORDER BY 1")
                    .map { "\(try $0.decode(0, as: Int.self)) \(try $0.decode(1, as: String.self))" }
                #expect(Array(after.prefix(before.count)) == before)
                let states = try await Migrator().status(on: connection).map(\.state)
                #expect(states.allSatisfy { if case .applied = $0 { true } else { false } })
                #expect(try await Migrator().migrate(on: connection).isEmpty)
                await connection.close()
                let upgraded = try Self.schemaDump(old)
                let current = try Self.schemaDump(fresh)
                #expect(upgraded.contains("CREATE FUNCTION baton.claim_tasks("))
                #expect(upgraded == current, "\(Self.firstDifference(upgraded, current))")
            }
        }
    }

    /// `baton migrate --print` (`Migrator.script`) makes the schema `baton migrate` makes.
    @Test func thePrintedSchemaIsTheMigratedOne() async throws {
        try await TestDatabase.withMigratedDatabase { migrated in
            try await TestDatabase.withTemporaryDatabase { printed in
                let connection = try await Connection.connect(printed)
                try await connection.execute(script: Migrator().script)
                await connection.close()
                let made = try Self.schemaDump(printed)
                let current = try Self.schemaDump(migrated)
                #expect(made.contains("CREATE FUNCTION baton.claim_tasks("))
                #expect(made == current, "\(Self.firstDifference(made, current))")
            }
        }
    }

    // MARK: helpers

    /// The embedded files with one object file's text changed by `change`.
    static func editing(_ path: String, in migrator: Migrator = Migrator(), _ change: (String) -> String) throws -> Migrator {
        let objects = migrator.objects.map { $0.path == path ? SchemaObject(path: path, sql: change($0.sql)) : $0 }
        guard objects != migrator.objects else { throw TestSupportError("\(path) unchanged") }
        return Migrator(migrations: migrator.migrations, objects: objects)
    }

    static func release0018Dump() throws -> String {
        let file = TestDatabase.repositoryRoot.appendingPathComponent("Tests/Fixtures/schema-0018.sql.gz").path
        return try TestDatabase.run("/bin/gzip", ["-dc", file])
    }

    /// Schema baton as pg_dump writes it, without comments and without owners and grants.
    static func schemaDump(_ configuration: ConnectionConfiguration) throws -> String {
        let bin = try TestDatabase.run("/usr/bin/env", ["pg_config", "--bindir"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let output = try TestDatabase.runWithStatus(
            bin + "/pg_dump",
            ["--schema-only", "--no-owner", "--no-privileges", "-n", "baton", "-d", configuration.conninfoForChildProcess])
        guard output.status == 0 else { throw TestSupportError("pg_dump failed: \(output.error)") }
        return output.output.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.hasPrefix("--") && !$0.hasPrefix("\\") }.joined(separator: "\n")
    }

    static func firstDifference(_ a: String, _ b: String) -> String {
        let (left, right) = (a.split(separator: "\n"), b.split(separator: "\n"))
        for (index, (x, y)) in zip(left, right).enumerated() where x != y {
            return "line \(index + 1): \(x) | \(y)"
        }
        return "\(left.count) lines against \(right.count)"
    }
}
