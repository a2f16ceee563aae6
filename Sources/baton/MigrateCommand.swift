import ArgumentParser
import Baton
import LibPQ

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply Baton's schema migrations (embedded in this binary) to the database."
    )

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "List applied and pending migrations; change nothing.")
    var status = false

    func run() async throws {
        let connection = try await database.connect()
        let migrator = Migrator()
        if status {
            for row in try await migrator.status(on: connection) { print(describe(row)) }
            await connection.close()
            return
        }
        let applied = try await migrator.migrate(on: connection)
        let missing = try await migrator.missingRoles(on: connection)
        await connection.close()
        if applied.isEmpty {
            print("schema is current (\(migrator.migrations.count) migrations applied)")
        }
        for migration in applied { print("applied \(migration.fileName)") }
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
