import Baton
import Foundation
import Testing
import TestSupport

/// Schedules fire once per due time with no leader, whatever happens to the clusters firing
/// them and to the database: three worker processes, two of them killed with SIGKILL and a
/// PostgreSQL restart, all while due times pass every 100 ms. Checked from the database
/// afterwards: every due time has one run and one task, no more.
@Suite(.serialized) struct ScheduleFaultTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BATON_PRIVATE_DATABASE"] == "1",
                   "restarts the database: only the private one"))
    func eachDueTimeFiresOnceThroughKillsAndARestart() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            let start = Date().addingTimeInterval(2)
            for index in 0..<60 {
                try await broker.schedule(
                    "baton.echo", args: [.int(index)], name: "once-\(index)",
                    nextRun: start.addingTimeInterval(Double(index) / 10))
            }
            // Every minute, five due times missed already and caught up by whoever fires first.
            for index in 0..<10 {
                try await broker.schedule(
                    "baton.echo", args: [.int(index)], name: "minute-\(index)", type: .minutes(1),
                    nextRun: Date().addingTimeInterval(-290 + Double(index)))
            }
            var workers = try (0..<3).map { _ in try fixture.worker(["--workers", "2", "--lease", "2"]) }
            defer { workers.forEach { send(SIGKILL, to: $0) } }
            func sleep(until offset: Double) async throws {
                let wait = start.addingTimeInterval(offset).timeIntervalSinceNow
                if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            }
            try await sleep(until: 1.5)
            send(SIGKILL, to: workers[0])
            workers.append(try fixture.worker(["--workers", "2", "--lease", "2"]))
            try await sleep(until: 3)
            try fixture.privateDatabase(["restart"])
            try await sleep(until: 4.5)
            send(SIGKILL, to: workers[1])
            let fired = try await fixture.waitUntil(.seconds(60)) {
                try await fixture.number("SELECT count(*) FROM baton.schedule_runs WHERE schedule LIKE 'once-%'") == 60
            }
            #expect(fired, "every once schedule fired: \(fixture.workerLogs.suffix(2000))")

            // One run a due time, one task a run, and one run per schedule that fires once.
            let onceRuns = try await fixture.number("""
                SELECT count(*) FROM baton.schedules WHERE name LIKE 'once-%' AND runs = 1 AND repeats = 0
                """)
            #expect(onceRuns == 60)
            let tasksByName = """
                (SELECT name FROM baton.tasks UNION ALL SELECT name FROM baton.results) AS t
                """
            let extra = try await fixture.number("""
                SELECT count(*) FROM (SELECT s.name, s.runs, (SELECT count(*) FROM \(tasksByName) WHERE t.name = s.name) AS tasks,
                                             (SELECT count(*) FROM baton.schedule_runs AS r WHERE r.schedule = s.name) AS recorded
                                      FROM baton.schedules AS s) AS c
                WHERE c.tasks <> c.runs OR c.recorded <> c.runs
                """)
            #expect(extra == 0, "a schedule whose tasks, runs and count disagree")
            // The minute schedules' due times are their anchor and each minute after it, none twice, none left out.
            let gaps = try await fixture.number("""
                SELECT count(*) FROM baton.schedule_runs AS r JOIN baton.schedules AS s ON s.name = r.schedule
                WHERE s.schedule_type = 'minutes'
                  AND r.due_at <> s.anchor + (SELECT count(*) FROM baton.schedule_runs AS e
                                              WHERE e.schedule = r.schedule AND e.due_at < r.due_at) * interval '1 minute'
                """)
            let minuteRuns = try await fixture.number(
                "SELECT count(*) FROM baton.schedule_runs WHERE schedule LIKE 'minute-%'")
            #expect(gaps == 0 && minuteRuns >= 50, "\(minuteRuns) minute runs, \(gaps) out of place")
            let unlinked = try await fixture.number("""
                SELECT count(*) FROM baton.schedule_runs AS r
                WHERE NOT EXISTS (SELECT 1 FROM baton.tasks AS t WHERE t.id = r.task_id)
                  AND NOT EXISTS (SELECT 1 FROM baton.results AS d WHERE d.id = r.task_id)
                """)
            #expect(unlinked == 0, "every run's task exists")
            let firers = try await fixture.number("SELECT count(DISTINCT fired_by) FROM baton.schedule_runs")
            print("schedules through two SIGKILLs and a restart: \(60 + minuteRuns) due times, each fired once, "
                + "by \(firers) clusters")
        }
    }
}
