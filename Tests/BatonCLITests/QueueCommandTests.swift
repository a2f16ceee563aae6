import Baton
import Foundation
import Testing
import TestSupport

/// Queues from the shell: `--queue`, `--delay` and `--at` on `baton task` and `baton chain`,
/// `baton queue list|pause|resume|limit`, `baton cluster --queue NAME=WORKERS`, `baton info`.
@Suite struct QueueCommandTests {
    func run(_ arguments: [String], on broker: Broker) throws -> (status: Int32, output: String, error: String) {
        try TestDatabase.runWithStatus(
            try Binaries.path("baton"), arguments + ["--database-url", broker.configuration.description])
    }

    func number(_ sql: String, on broker: Broker) async throws -> Double {
        try await broker.pool.withConnection { try await $0.query(sql)[0].decode(0, as: Double.self) }
    }

    @Test func enqueueIntoAQueueLaterFromTheShell() async throws {
        try await TestDatabase.withBroker { broker in
            let task = try run(["task", "baton.echo", "1", "--queue", "mail", "--delay", "90s"], on: broker)
            #expect(task.status == 0, "\(task.error)")
            let delay = try await number(
                "SELECT extract(epoch FROM run_at - enqueued_at)::float8 FROM baton.tasks WHERE queue = 'mail'", on: broker)
            #expect(delay >= 89.9 && delay < 91, "\(delay)")
            let chain = try run(["chain", #"[["baton.echo", [1]], ["baton.echo", [2]]]"#, "--queue", "reports",
                                 "--at", "2030-01-01T00:00:00Z"], on: broker)
            #expect(chain.status == 0, "\(chain.error)")
            let at = try await number("""
                SELECT extract(epoch FROM run_at)::float8 FROM baton.tasks WHERE queue = 'reports' AND chain_position = 0
                """, on: broker)
            #expect(at == 1_893_456_000)
            for (arguments, says) in [
                (["--delay", "soon"], "--delay is a duration"), (["--at", "tomorrow"], "--at is an ISO 8601 time"),
                (["--delay", "1s", "--at", "2030-01-01T00:00:00Z"], "not both"), (["--queue", "no spaces"], "a queue's name"),
                (["--queue", "<script>"], "a queue's name"),
            ] {
                let refused = try run(["task", "baton.echo", "1"] + arguments, on: broker)
                #expect(refused.status != 0 && refused.error.contains(says), "\(arguments): \(refused.error)")
            }
            #expect(try await number("SELECT count(*)::float8 FROM baton.tasks", on: broker) == 3)
            // A unique key from the shell: the second enqueue prints the first's id.
            let first = try run(["task", "baton.echo", "1", "--unique", "nightly", "--unique-for", "1h"], on: broker)
            let second = try run(["task", "baton.echo", "2", "--unique", "nightly"], on: broker)
            #expect(first.status == 0 && first.output == second.output, "\(first) \(second)")
            let loose = try run(["task", "baton.echo", "1", "--unique-for", "1h"], on: broker)
            #expect(loose.status != 0 && loose.error.contains("--unique-for goes with --unique"), "\(loose.error)")
            #expect(try await number("SELECT count(*)::float8 FROM baton.tasks", on: broker) == 4)
        }
    }

    @Test func pauseLimitAndListQueuesFromTheShell() async throws {
        try await TestDatabase.withBroker { broker in
            #expect(try run(["task", "baton.echo", "1", "--queue", "mail"], on: broker).status == 0)
            #expect(try run(["queue", "pause", "mail"], on: broker).output == "paused mail\n")
            #expect(try run(["queue", "limit", "mail", "2"], on: broker).output == "mail: at most 2 running\n")
            let list = try run(["queue", "list"], on: broker)
            #expect(list.output.contains("mail: 1 queued, 0 delayed, 0 running, 0 waiting, paused, at most 2 running; "
                                         + "no running cluster serves it"), "\(list.output)")
            let json = try JSONValue.parse(try run(["queue", "--json"], on: broker).output)
            guard case .array(let rows) = json, case .object(var row) = rows.first else {
                Issue.record("not a list of queues: \(json)")
                return
            }
            // The age of the oldest due task is a time, not a fixed answer: a number of seconds.
            guard case .double(let age)? = row.removeValue(forKey: "oldest_due_seconds") else {
                Issue.record("no age: \(json)")
                return
            }
            #expect(age >= 0 && age < 60)
            #expect(rows.count == 1 && JSONValue.object(row) == [
                "name": "mail", "queued": 1, "delayed": 0, "running": 0, "waiting": 0, "paused": true, "running_limit": 2,
                "clusters": 0, "workers": 0,
            ])
            #expect(try run(["queue", "limit", "mail", "none"], on: broker).output == "mail: no limit\n")
            #expect(try run(["queue", "resume", "mail"], on: broker).output == "resumed mail\n")
            let refused = try run(["queue", "limit", "mail", "-1"], on: broker)
            #expect(refused.status != 0 && refused.error.contains("whole number from 0"), "\(refused.error)")
            let hostile = try run(["queue", "pause", "'; DROP TABLE baton.queues; --"], on: broker)
            #expect(hostile.status != 0 && hostile.error.contains("a queue's name"), "\(hostile.error)")
            let settings = try await broker.queues()
            #expect(settings.map(\.name) == ["mail"] && settings[0].paused == false && settings[0].runningLimit == nil)
        }
    }

    /// A `baton cluster` process serving two queues runs theirs, leaves the others queued, and
    /// `baton info` shows which queue no cluster serves.
    @Test func aClusterProcessServesTheQueuesItIsGiven() async throws {
        try await TestDatabase.withBroker { broker in
            _ = try await broker.asyncTasks((0..<5).map { TaskCall("baton.echo", .int($0)) }, queue: "mail")
            _ = try await broker.asyncTasks((0..<5).map { TaskCall("baton.echo", .int($0)) }, queue: "reports")
            _ = try await broker.asyncTasks((0..<5).map { TaskCall("baton.echo", .int($0)) }, queue: "later")
            let bad = try run(["cluster", "--queue", "mail=zero"], on: broker)
            #expect(bad.status != 0 && bad.error.contains("whole number from 1"), "\(bad.error)")
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = broker.configuration.description
            let cluster = try Binaries.start(
                "baton", ["cluster", "--queue", "mail=2", "--queue", "reports", "--workers", "3"], environment: environment)
            defer { cluster.terminate() }
            let drained = try await waitUntil {
                try await number("SELECT count(*)::float8 FROM baton.results", on: broker) == 10
            }
            #expect(drained)
            let served = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT queues::text FROM baton.clusters")[0].decode(0, as: String.self)
            }
            #expect(try JSONValue.parse(served) == ["mail": 2, "reports": 3])
            let info = try run(["info"], on: broker)
            #expect(info.output.contains("later: 5 queued, 0 delayed, 0 running, 0 waiting; no running cluster serves it"),
                    "\(info.output)")
            #expect(info.output.contains("(mail=2 reports=3)"), "\(info.output)")
            #expect(try await broker.queueSize("later") == 5)
        }
    }
}
