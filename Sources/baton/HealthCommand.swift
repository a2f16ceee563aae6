import ArgumentParser
import Baton
import Foundation

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Exit 0 when the database answers and its schema is current; for container health checks."
    )

    @OptionGroup var database: DatabaseOptions

    func run() async throws {
        let connection: Connection
        do {
            connection = try await database.connect()
        } catch {
            FileHandle.standardError.write(Data("unhealthy: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let statuses = try await Migrator().status(on: connection)
        await connection.close()
        let behind = statuses.filter { $0.state == .pending }
        let changed = statuses.filter { if case .changed = $0.state { true } else { false } }
        guard behind.isEmpty, changed.isEmpty else {
            let problem = !changed.isEmpty ? "migrations changed since applied: \(changed.map(\.name))"
                : "migrations pending: \(behind.map(\.name)); run baton migrate"
            FileHandle.standardError.write(Data("unhealthy: \(problem)\n".utf8))
            throw ExitCode(1)
        }
        print("healthy: the database answers and its \(statuses.count) migrations are applied")
    }
}
