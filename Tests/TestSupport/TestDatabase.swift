import Foundation
import LibPQ

/// The database the tests run against: the one `BATON_DATABASE_URL`, `DATABASE_URL` or
/// `PGHOST` names, else the project's private cluster, started by `scripts/db`.
///
/// Tests isolate themselves: their own table, channel and group names, or a database of
/// their own (`withTemporaryDatabase`), so they run in parallel and can be re-run.
public enum TestDatabase {
    public static let configuration: ConnectionConfiguration = {
        let environment = ProcessInfo.processInfo.environment
        for variable in ["BATON_DATABASE_URL", "DATABASE_URL"] {
            if let url = environment[variable], !url.isEmpty { return try! ConnectionConfiguration(url) }
        }
        if environment["PGHOST"] != nil { return .environment }
        return try! ConnectionConfiguration(startPrivateDatabase())
    }()

    public static func connect() async throws -> Connection {
        try await Connection.connect(configuration)
    }

    /// Waits (up to 5 s) until `connection`'s server process is running a statement that
    /// contains `fragment`, as `observer` sees it in pg_stat_activity.
    public static func waitUntilRunning(
        _ fragment: String, on connection: Connection, seenFrom observer: Connection
    ) async throws {
        for _ in 0..<500 {
            let running = try await observer.query(
                "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND state = 'active' AND strpos(query, $2) > 0",
                connection.backendPID, fragment)
            if !running.isEmpty { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// A name no other test uses: `prefix_1a2b3c4d`.
    public static func uniqueName(_ prefix: String = "t") -> String {
        "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Runs `body` against a new, empty database, dropped afterwards; at most 16 such
    /// databases at once in a test process (`DatabaseGate`).
    public static func withTemporaryDatabase(
        _ body: (ConnectionConfiguration) async throws -> Void
    ) async throws {
        try await DatabaseGate.shared.withPlace { try await withNewDatabase(body) }
    }

    /// Runs `body` against a new database copied from `template` (empty when nil), dropped afterwards.
    static func withNewDatabase(
        from template: String? = nil, _ body: (ConnectionConfiguration) async throws -> Void
    ) async throws {
        let name = uniqueName("baton_test")
        try await administer("CREATE DATABASE \(name)" + (template.map { " TEMPLATE \($0)" } ?? ""))
        do {
            try await body(configuration.with(database: name))
        } catch {
            try? await administer("DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
        try await administer("DROP DATABASE \(name) WITH (FORCE)")
    }

    /// Runs one statement on a connection of its own (fresh even after a server restart).
    static func administer(_ statement: String) async throws {
        let admin = try await connect()
        try await admin.execute(script: statement)
        await admin.close()
    }

    /// The repository's root folder, found from this file's path.
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private static func startPrivateDatabase() -> String {
        let output = try! run(repositoryRoot.appendingPathComponent("scripts/db").path, ["url"])
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs a program to its end and returns what it printed on standard output.
    public static func run(_ path: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
        try runWithStatus(path, arguments, environment: environment).output
    }

    /// Runs a program to its end: its exit status and standard output and error.
    ///
    /// Output goes through files, not pipes: a program may leave a child running (a
    /// database server) that would hold a pipe open for ever.
    public static func runWithStatus(
        _ path: String, _ arguments: [String], environment: [String: String]? = nil
    ) throws -> (status: Int32, output: String, error: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName("run"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outputFile = folder.appendingPathComponent("stdout")
        let errorFile = folder.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = try FileHandle(forWritingTo: outputFile)
        process.standardError = try FileHandle(forWritingTo: errorFile)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus,
                try String(contentsOf: outputFile, encoding: .utf8),
                try String(contentsOf: errorFile, encoding: .utf8))
    }
}
