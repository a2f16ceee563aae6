import Baton
import Foundation
import Testing
import TestSupport

/// `baton task`, `baton chain`, `baton result` and `baton info`, as a person runs them.
@Suite struct EnqueueCommandTests {
    func run(_ arguments: [String], on broker: Broker) throws -> (status: Int32, output: String, error: String) {
        try TestDatabase.runWithStatus(
            try Binaries.path("baton"), arguments + ["--database-url", broker.configuration.description])
    }

    @Test func enqueueFromTheShellAndReadTheResults() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = try run(["chain", #"[["math.copysign", [1, -1]], ["math.floor", [1]]]"#, "--sync"], on: broker)
            #expect(chain.status == 0, "\(chain.error)")
            let group = chain.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try run(["result", group], on: broker).output == "[-1.0, 1]\n")
            #expect(try run(["result", group, "--json"], on: broker).output == "[-1.0,1]\n")

            let task = try run(["task", "baton.echo", "1", "two", "[3]", "--kwargs", #"{"k": true}"#, "--sync"], on: broker)
            let id = task.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try run(["result", id, "--json"], on: broker).output == #"{"args":[1,"two",[3]],"kwargs":{"k":true}}"# + "\n")
        }
    }

    /// `baton result` of a group: without --wait it never blocks; --count and --wait as django-q's.
    @Test func resultOfAGroupThatIsNotCompleteYet() async throws {
        try await TestDatabase.withBroker { broker in
            #expect(try run(["task", "baton.echo", "1", "--group", "half", "--sync"], on: broker).status == 0)
            #expect(try run(["task", "nobody.has.this", "2", "--group", "half"], on: broker).status == 0)
            let now = try run(["result", "half"], on: broker)
            #expect(now.status == 0 && now.output == "[[1]]\n", "\(now)")
            let counted = try run(["result", "half", "--count", "2"], on: broker)
            #expect(counted.status == 1 && counted.error.contains("no result"), "\(counted)")
            let started = ContinuousClock.now
            let waited = try run(["result", "half", "--count", "2", "--wait", "300"], on: broker)
            #expect(waited.status == 0 && waited.output == "[[1]]\n", "the results so far: \(waited)")
            #expect(ContinuousClock.now - started >= .milliseconds(300))
        }
    }

    /// `baton task --sync` runs the task in the command's process, also with a cluster running.
    @Test func aSyncTaskIsNeverTheClustersOwn() async throws {
        try await TestDatabase.withBroker { broker in
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = broker.configuration.description
            let cluster = try Binaries.start("baton", ["cluster", "--workers", "2"], environment: environment)
            defer { cluster.terminate() }
            let registered = try await waitUntil {
                try await broker.pool.withConnection { try await $0.query("SELECT count(*) FROM baton.clusters")[0].decode(0, as: Int.self) } == 1
            }
            #expect(registered)
            for _ in 0..<3 {
                let started = ContinuousClock.now
                let task = try run(["task", "--sync", "baton.sleep", "400"], on: broker)
                #expect(task.status == 0, "\(task.error)")
                #expect(ContinuousClock.now - started >= .milliseconds(400), "it ran before the command returned")
            }
            let workers: [String] = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT worker FROM baton.results").map { try $0.decode(0) }
            }
            #expect(workers.count == 3)
            #expect(workers.allSatisfy { $0.hasSuffix(":sync") }, "\(workers)")
        }
    }

    @Test func aTaskNamedOnTheCommandLineIsFoundByName() async throws {
        try await TestDatabase.withBroker { broker in
            let task = try run(["task", "--sync", "--name", "nightly totals", "math.floor", "2.5"], on: broker)
            #expect(task.status == 0, "\(task.error)")
            let found = try run(["result", "nightly totals"], on: broker)
            #expect(found.status == 0 && found.output == "2\n", "\(found)")
            let missing = try run(["result", "never named"], on: broker)
            #expect(missing.status == 1 && missing.error.contains("no result"), "\(missing)")
        }
    }

    @Test func infoShowsWhatWaitsForAWorker() async throws {
        try await TestDatabase.withBroker { broker in
            let queued = try run(["task", "reports.monthly", "2026"], on: broker)
            #expect(queued.status == 0)
            let missing = try run(["result", queued.output.trimmingCharacters(in: .whitespacesAndNewlines)], on: broker)
            #expect(missing.status == 1)
            #expect(missing.error.contains("no result"))
            let info = try run(["info", "--json"], on: broker)
            let summary = try JSONValue.parse(info.output)
            guard case .object(let fields) = summary, case .array(let tasks)? = fields["tasks"] else {
                Issue.record("unexpected info: \(info.output)")
                return
            }
            #expect(tasks == [["function": "reports.monthly", "queued": 1, "running": 0, "waiting": 0]])
            let text = try run(["info"], on: broker).output
            #expect(text.contains("reports.monthly: 0 / 1 / 0"))
        }
    }

    @Test func badInputFromTheShellIsAClearError() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = try run(["chain", "[[5]]"], on: broker)
            #expect(chain.status != 0)
            #expect(chain.error.contains("chain link 0 has no function name"))
            let policy = try run(["chain", #"[["baton.echo"]]"#, "--policy", "sometimes"], on: broker)
            #expect(policy.status != 0)
            #expect(policy.error.contains("--policy is stop or continue"))
            let kwargs = try run(["task", "baton.echo", "--kwargs", "[1]"], on: broker)
            #expect(kwargs.status != 0)
            #expect(try await broker.queueSize() == 0)
        }
    }

    /// `--hook` and `--no-save` on `baton task` and `baton chain`, and a link's own options in the chain's JSON.
    @Test func hooksSavingAndALinksOwnOptionsFromTheShell() async throws {
        try await TestDatabase.withBroker { broker in
            let task = try run(["task", "baton.echo", "1", "--hook", "reports.notify", "--no-save"], on: broker)
            #expect(task.status == 0, "\(task.error)")
            let chain = try run([
                "chain", #"[["baton.echo", [1]], ["baton.echo", [2], {}, {"hook": "own", "timeout": 2.5, "save": true}]]"#,
                "--hook", "shared", "--no-save", "--group", "shell options",
            ], on: broker)
            #expect(chain.status == 0, "\(chain.error)")
            let rows: [String] = try await broker.pool.withConnection { connection in
                try await connection.query("""
                    SELECT concat_ws(' ', func, args::text, hook, save, extract(epoch FROM timeout)) AS row FROM baton.tasks
                    ORDER BY enqueued_at, chain_position
                    """).map { try $0.decode("row") }
            }
            #expect(rows == ["baton.echo [1] reports.notify f", "baton.echo [1] shared f",
                             "baton.echo [2] own t 2.500000"], "\(rows)")
            let bad = try run(["chain", #"[["baton.echo", [1], {}, {"colour": "red"}]]"#], on: broker)
            #expect(bad.status != 0 && bad.error.contains(#"unknown option "colour""#), "\(bad.error)")
        }
    }
}
