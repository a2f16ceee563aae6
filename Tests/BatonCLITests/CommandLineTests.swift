import Baton
import Foundation
import Testing
import TestSupport

/// The command line as a person types it: negative numbers, every enqueue option, errors
/// that name the option and show the subcommand's usage, a database never migrated.
@Suite struct CommandLineTests {
    func baton(_ arguments: [String], url: String) throws -> (status: Int32, output: String, error: String) {
        try TestDatabase.runWithStatus(try Binaries.path("baton"), arguments + ["--database-url", url])
    }

    @Test func negativeNumbersAreArguments() async throws {
        try await TestDatabase.withBroker { broker in
            let url = broker.configuration.description
            let task = try baton(["task", "--sync", "math.copysign", "1", "-1"], url: url)
            #expect(task.status == 0, "\(task.error)")
            let id = task.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try baton(["result", id], url: url).output == "-1.0\n")
            let misspelt = try baton(["task", "baton.echo", "1", "--gruop", "x"], url: url)
            #expect(misspelt.status != 0 && misspelt.error.contains("Unknown option '--gruop'"), "\(misspelt.error)")
        }
    }

    @Test func everyEnqueueOptionOnTheCommandLine() async throws {
        try await TestDatabase.withBroker { broker in
            let url = broker.configuration.description
            let failing = try baton(["task", "--sync", "--attempts", "3", "--retry-delay", "0.05", "baton.fail", "no"], url: url)
            #expect(failing.status == 0, "\(failing.error)")
            let record = try #require(try await broker.fetch(failing.output.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(record.attempts == 3)
            let queued = try baton(["task", "--priority", "7", "--timeout", "2.5", "--cache-seconds", "60", "baton.echo", "1"], url: url)
            #expect(queued.status == 0, "\(queued.error)")
            let row = try await broker.pool.withConnection { connection in
                try await connection.query("""
                    SELECT priority, extract(epoch FROM timeout)::float8 AS timeout, extract(epoch FROM cache_ttl)::float8 AS ttl
                    FROM baton.tasks
                    """)[0]
            }
            #expect(try row.decode("priority", as: Int.self) == 7)
            #expect(try row.decode("timeout", as: Double.self) == 2.5)
            #expect(try row.decode("ttl", as: Double.self) == 60)
            let chain = try baton(["chain", "--attempts", "2", "--timeout", "1", #"[["baton.echo", [1]]]"#], url: url)
            #expect(chain.status == 0, "\(chain.error)")
        }
    }

    @Test func optionErrorsNameTheOptionAndShowTheSubcommandsUsage() async throws {
        try await TestDatabase.withBroker { broker in
            let url = broker.configuration.description
            let kwargs = try baton(["task", "--kwargs", "x", "baton.echo"], url: url)
            #expect(kwargs.status != 0 && kwargs.error.contains("--kwargs must be a JSON object"), "\(kwargs.error)")
            #expect(kwargs.error.contains("Usage: baton task"), "\(kwargs.error)")
            let policy = try baton(["chain", "--policy", "maybe", #"[["baton.echo", [1]]]"#], url: url)
            #expect(policy.error.contains("--policy is stop or continue") && policy.error.contains("Usage: baton chain"),
                    "\(policy.error)")
            let help = try TestDatabase.runWithStatus(try Binaries.path("baton"), ["cluster", "--help"]).output
            let workers = help.split(separator: "\n").drop { !$0.hasPrefix("  --workers") }.prefix(2).joined(separator: " ")
            #expect(workers.components(separatedBy: "default").count == 2, "one default for --workers: \(workers)")
        }
    }

    /// A database never migrated: each command says so and exits 3.
    @Test func aDatabaseWithoutTheSchemaIsSaidAsSuch() async throws {
        try await TestDatabase.withTemporaryDatabase { configuration in
            let url = configuration.description
            for arguments in [["task", "baton.echo", "1"], ["info"], ["result", "some name"], ["cluster", "--workers", "1"],
                              ["chain", #"[["baton.echo", [1]]]"#]] {
                let run = try baton(arguments, url: url)
                #expect(run.status == 3, "\(arguments): \(run.status) \(run.error)")
                #expect(run.error.contains("no Baton schema") && run.error.contains("baton migrate"), "\(arguments): \(run.error)")
            }
            // --migrate makes it, and the cluster starts.
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = url
            let cluster = try Binaries.start("baton", ["cluster", "--migrate", "--workers", "1"], environment: environment)
            defer { cluster.terminate() }
            let connection = try await Connection.connect(configuration)
            let registered = try await waitUntil {
                (try? await connection.query("SELECT count(*) FROM baton.clusters")[0].decode(0, as: Int.self)) == 1
            }
            await connection.close()
            #expect(registered, "the cluster migrated the database and registered")
        }
    }
}
