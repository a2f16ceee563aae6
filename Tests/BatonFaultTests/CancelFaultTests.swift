import Baton
import Foundation
import Testing
import TestSupport

/// Cancellation and unique keys across several worker processes, with a process killed
/// (SIGKILL) and PostgreSQL restarted in the middle. Checked from the database afterwards.
@Suite(.serialized) struct CancelFaultTests {
    /// Runs `body` again while the database is coming back from a restart.
    static func retrying<R>(_ body: () async throws -> R) async throws -> R {
        for attempt in 1... {
            do {
                return try await body()
            } catch let error as PostgresError where error.code.isConnectionFailure && attempt < 50 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        fatalError("unreachable")
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["BATON_PRIVATE_DATABASE"] == "1",
                   "restarts the database: only the private one"))
    func cancelledRunningTasksStayCancelledThroughAKillAndARestart() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            let ids = try await broker.asyncTasks((0..<30).map { _ in TaskCall("test.sleep", 20_000) }, group: "doomed")
            var workers = try (0..<3).map { _ in try fixture.worker(["--workers", "2", "--lease", "2"]) }
            defer { workers.forEach { send(SIGKILL, to: $0) } }
            let running = try await fixture.waitUntil {
                try await fixture.number("SELECT count(*) FROM baton.tasks WHERE state = 'running'") >= 6
            }
            #expect(running)
            send(SIGKILL, to: workers[0])
            #expect(try await broker.cancelGroup("doomed") == 30)
            try fixture.privateDatabase(["restart"])
            send(SIGKILL, to: workers[1])
            workers.append(try fixture.worker(["--workers", "2", "--lease", "2"]))
            // The survivors' workers were freed: new work runs at once, not after 20 s sleeps.
            let after = try await Self.retrying { try await broker.asyncTasks((0..<4).map { TaskCall("baton.echo", .int($0)) }) }
            let freed = try await fixture.waitUntil(.seconds(15)) {
                try await fixture.number("SELECT count(*) FROM baton.results WHERE id = ANY ($1)", after) == 4
            }
            #expect(freed, "\(fixture.workerLogs.suffix(1500))")
            let cancelledOnce = try await fixture.number(
                "SELECT count(*) FROM baton.results WHERE id = ANY ($1) AND cancelled AND NOT success", ids)
            let queued = try await fixture.number("SELECT count(*) FROM baton.tasks WHERE id = ANY ($1)", ids)
            #expect(cancelledOnce == 30 && queued == 0, "each cancelled task recorded once, none queued again")
        }
    }

    /// Ten enqueuers share three unique keys while three worker processes run the tasks, one
    /// of them killed and the database restarted: no two tasks of a key were ever unfinished
    /// at once, as sampled every few milliseconds, and as their records show afterwards.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BATON_PRIVATE_DATABASE"] == "1",
                   "restarts the database: only the private one"))
    func uniqueKeysHoldThroughAKillAndARestart() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            let workers = try (0..<3).map { _ in try fixture.worker(["--workers", "2", "--lease", "2"]) }
            defer { workers.forEach { send(SIGKILL, to: $0) } }
            let until = ContinuousClock.now + .seconds(6)
            let enqueuers = (0..<10).map { index in
                Task {
                    var refused = 0
                    while ContinuousClock.now < until {
                        let key = "k\(Int.random(in: 0..<3))"
                        do {
                            _ = try await broker.asyncTask(
                                "test.attempt", args: [.string("\(index)-\(UUID())"), 50, .string("unique:\(key)")],
                                unique: key)
                        } catch {
                            refused += 1
                            try? await Task.sleep(for: .milliseconds(100))
                        }
                    }
                    return refused
                }
            }
            let sampler = Task {
                var doubled = 0
                while ContinuousClock.now < until {
                    doubled += (try? await fixture.number("""
                        SELECT count(*) FROM (SELECT unique_key FROM baton.tasks WHERE unique_key IS NOT NULL
                                              GROUP BY unique_key HAVING count(*) > 1) AS k
                        """)) ?? 0
                    try? await Task.sleep(for: .milliseconds(5))
                }
                return doubled
            }
            try await Task.sleep(for: .seconds(2))
            send(SIGKILL, to: workers[0])
            try fixture.privateDatabase(["restart"])
            #expect(await sampler.value == 0, "a key held by two unfinished tasks at once")
            var refused = 0
            for enqueuer in enqueuers { refused += await enqueuer.value }
            let drained = try await fixture.waitUntil(.seconds(30)) {
                try await fixture.number("SELECT count(*) FROM baton.tasks") == 0
            }
            #expect(drained)
            let tasks = try await fixture.number(
                "SELECT count(*) FROM baton.results WHERE func = 'test.attempt' AND args ->> 2 LIKE 'unique:%'")
            // Each key's tasks lived one after another: ordered by when they began, each began
            // after the one before it stopped. (Not by enqueued_at: that is the enqueue
            // transaction's start, which may come before the key was freed, the insert after.)
            let overlapping = try await fixture.number("""
                SELECT count(*) FROM (
                    SELECT started_at, lag(stopped_at) OVER (PARTITION BY args ->> 2 ORDER BY started_at) AS previous_stop
                    FROM baton.results WHERE func = 'test.attempt' AND args ->> 2 LIKE 'unique:%') AS r
                WHERE r.started_at < r.previous_stop
                """)
            #expect(tasks > 10 && overlapping == 0, "\(tasks) tasks, \(overlapping) began while their key was held")
            print("unique keys through a kill and a restart: \(tasks) tasks under 3 keys, none overlapping; "
                + "\(refused) enqueue calls refused while the database restarted")
        }
    }
}
