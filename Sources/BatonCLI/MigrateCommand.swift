import ArgumentParser
import Baton
import LibPQ

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply Baton's schema migrations (embedded in this binary) to the database."
    )

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "List applied and pending migrations, and the function, view and trigger files that differ from the database's; change nothing.")
    var status = false

    @Flag(name: .customLong("print"), help: "Print the whole current schema as one SQL script (no database needed); change nothing.")
    var printSchema = false

    func run() async throws {
        let migrator = Migrator()
        if printSchema {
            print(migrator.script, terminator: "")
            return
        }
        let connection = try await database.connect()
        if status {
            for row in try await migrator.status(on: connection) { print(describe(row)) }
            for object in try await migrator.changedObjects(on: connection) { print("\(object.path)  differs: run baton migrate") }
            await connection.close()
            return
        }
        let applied = try await migrator.migrate(on: connection)
        let missing = try await migrator.missingRoles(on: connection)
        await connection.close()
        if applied.isEmpty {
            print("schema is current (\(migrator.migrations.count) migrations applied, \(migrator.objects.count) functions, views and triggers)")
        }
        for migration in applied.migrations { print("applied \(migration.fileName)") }
        for object in applied.objects { print("applied \(object.path)") }
        if !applied.leftToLaterRelease.isEmpty {
            print("left \(applied.leftToLaterRelease.count) function, view and trigger files alone: a later release of baton migrated this database")
        }
        if !missing.isEmpty {
            print("roles \(missing.joined(separator: ", ")) do not exist and this role may not create them; "
                + Migrator.createRolesAdvice(missing))
        }
    }

    private func describe(_ row: MigrationStatus) -> String {
        let number = String(row.version)
        let label = String(repeating: "0", count: max(0, 4 - number.count)) + number + " " + row.name
        switch row.state {
        case .applied(let at): return "\(label)  applied \(at)"
        case .pending: return "\(label)  pending"
        case .changed(let at): return "\(label)  CHANGED since it was applied \(at)"
        case .unknown(let at): return "\(label)  applied \(at) by a newer baton (no such file here)"
        }
    }
}
