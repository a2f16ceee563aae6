import ArgumentParser
import Baton
import Foundation

struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Exit 0 when the database answers and its schema is current; for container health checks."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Seconds the whole check may take; unhealthy after that.")
    var timeout = 10.0

    func run() async throws {
        let database = self.database
        let limit = Duration.milliseconds(Int(timeout * 1000))
        let statuses: [MigrationStatus]
        do {
            statuses = try await withThrowingTaskGroup(of: [MigrationStatus]?.self) { group in
                group.addTask {
                    let connection = try await database.connect()
                    let statuses = try await Migrator().status(on: connection)
                    await connection.close()
                    return statuses
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    return nil
                }
                defer { group.cancelAll() }
                guard let statuses = try await group.next()! else {
                    throw HealthError(description: "no answer within \(timeout) s")
                }
                return statuses
            }
        } catch {
            FileHandle.standardError.write(Data("unhealthy: \(error)\n".utf8))
            throw ExitCode(1)
        }
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

private struct HealthError: Error, CustomStringConvertible {
    let description: String
}
