import Baton
import Foundation
import Testing
import TestSupport

/// `baton schedule add|list|pause|resume|delete|run-now`, as an operator runs them, and a
/// `baton cluster` process firing what they made.
@Suite struct ScheduleCommandTests {
    func run(_ arguments: [String], on broker: Broker) throws -> (status: Int32, output: String, error: String) {
        try TestDatabase.runWithStatus(
            try Binaries.path("baton"), arguments + ["--database-url", broker.configuration.description])
    }

    @Test func manageSchedulesFromTheShell() async throws {
        try await TestDatabase.withBroker { broker in
            let added = try run(["schedule", "add", "nightly-report", "--cron", "0 3 * * *", "--tz", "Europe/Paris",
                                 "reports.nightly", "42", "--queue", "reports"], on: broker)
            #expect(added.status == 0, "\(added.error)")
            let stored = try #require(try await broker.schedule(named: "nightly-report"))
            #expect(stored.type == .cron("0 3 * * *") && stored.timeZone == "Europe/Paris")
            let local = Calendar(identifier: .gregorian)
            var paris = local
            paris.timeZone = TimeZone(identifier: "Europe/Paris")!
            #expect(paris.component(.hour, from: stored.nextRun) == 3 && paris.component(.minute, from: stored.nextRun) == 0)
            #expect(added.output == "nightly-report: next run \(ISO8601DateFormatter().string(from: stored.nextRun))\n")

            #expect(try run(["schedule", "add", "tick", "--every", "5m", "baton.echo", "hi"], on: broker).status == 0)
            #expect(try await broker.schedule(named: "tick")?.type == .minutes(5))
            #expect(try run(["schedule", "add", "early", "--daily", "06:30", "baton.echo"], on: broker).status == 0)
            #expect(try await broker.schedule(named: "early")?.type == .cron("30 6 * * *"))
            for (arguments, says) in [
                (["--every", "30s"], "--every is a whole number of minutes"), (["--daily", "25:00"], "--daily is a time of day"),
                (["--cron", "61 * * * *"], "out of range"), (["--tz", "Mars/Olympus", "--hourly"], "no time zone"),
                (["--hourly", "--weekly"], "one schedule type"), (["--next-run", "soon"], "--next-run is an ISO 8601 time"),
            ] {
                let refused = try run(["schedule", "add", "bad", "baton.echo"] + arguments, on: broker)
                #expect(refused.status != 0 && refused.error.contains(says), "\(arguments): \(refused.error)")
            }
            #expect(try await broker.schedule(named: "bad") == nil)

            #expect(try run(["schedule", "pause", "tick"], on: broker).output == "paused tick\n")
            let id = try run(["schedule", "run-now", "tick"], on: broker).output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try await broker.scheduleRuns("tick").map { $0.taskID.uuidString.lowercased() } == [id])
            let list = try run(["schedule", "list"], on: broker).output
            #expect(list.contains("tick: baton.echo, every 5 min, next run ") && list.contains(", paused, 0 runs"), "\(list)")
            #expect(list.contains("    ") && list.contains("\(id) not finished"), "\(list)")
            let json = try JSONValue.parse(try run(["schedule", "--json"], on: broker).output)
            guard case .array(let schedules) = json else {
                Issue.record("not a list: \(json)")
                return
            }
            #expect(schedules.count == 3)
            #expect(try run(["schedule", "resume", "tick"], on: broker).output == "resumed tick\n")
            #expect(try run(["schedule", "delete", "tick"], on: broker).output == "deleted tick\n")
            let missing = try run(["schedule", "delete", "tick"], on: broker)
            #expect(missing.status == 1 && missing.error.contains("there is no schedule \"tick\""), "\(missing.error)")
        }
    }

    /// A schedule made from the shell fires in a `baton cluster` process, and its last run's
    /// outcome shows in the list.
    @Test func aClusterProcessFiresWhatTheShellScheduled() async throws {
        try await TestDatabase.withBroker { broker in
            let soon = ISO8601DateFormatter().string(from: Date().addingTimeInterval(1))
            #expect(try run(["schedule", "add", "soon", "--next-run", soon, "baton.echo", "ran"], on: broker).status == 0)
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = broker.configuration.description
            let cluster = try Binaries.start("baton", ["cluster", "--workers", "1"], environment: environment)
            defer { cluster.terminate() }
            let ran = try await waitUntil(.seconds(15)) { try await broker.schedule(named: "soon")?.lastState == "succeeded" }
            #expect(ran)
            let list = try run(["schedule", "list"], on: broker).output
            #expect(list.contains("soon: baton.echo, once, done, 1 runs") && list.contains(" succeeded"), "\(list)")
        }
    }
}
