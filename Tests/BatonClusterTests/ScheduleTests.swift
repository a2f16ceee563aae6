import BatonCluster
import Foundation
import Testing
import TestSupport

/// Schedules: their due times (each type, cron, time zones, daylight-saving changes), their
/// upsert by name, and their firing: once per due time, however many fire them.
@Suite struct ScheduleTests {
    static func date(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }

    static func text(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    /// The due times `baton.schedule_next` gives from `anchor`, `count` of them, in UTC.
    static func dueTimes(
        _ type: String, minutes: Int? = nil, cron: String? = nil, zone: String = "UTC", anchor: String, count: Int,
        on broker: Broker
    ) async throws -> [String] {
        try await broker.pool.withConnection { connection in
            var times: [String] = []
            var after = date(anchor).addingTimeInterval(-1)
            for _ in 0..<count {
                let row = try await connection.query("""
                    SELECT baton.schedule_next(ROW('n', 'f', '[]', '{}', '{}', $1, $2::integer, $3, $4, -1, false, true,
                                                   $5::timestamptz, $5::timestamptz, 0, NULL, now(), now(), NULL)::baton.schedules,
                                               $6::timestamptz) AS next
                    """, [type, minutes, cron, zone, date(anchor), after])
                guard let next = try row[0].decode("next", as: Date?.self) else { break }
                times.append(text(next))
                after = next
            }
            return times
        }
    }

    @Test func eachTypeCountsItsDueTimes() async throws {
        try await TestDatabase.withBroker { broker async throws in
            #expect(try await Self.dueTimes("minutes", minutes: 90, anchor: "2026-01-01T23:00:00Z", count: 3, on: broker)
                == ["2026-01-01T23:00:00Z", "2026-01-02T00:30:00Z", "2026-01-02T02:00:00Z"])
            #expect(try await Self.dueTimes("once", anchor: "2026-01-01T00:00:00Z", count: 3, on: broker)
                == ["2026-01-01T00:00:00Z"])
            // From 31 January: the last day of each shorter month, and 31 March again (no drift).
            #expect(try await Self.dueTimes("monthly", anchor: "2026-01-31T10:00:00Z", count: 4, on: broker)
                == ["2026-01-31T10:00:00Z", "2026-02-28T10:00:00Z", "2026-03-31T10:00:00Z", "2026-04-30T10:00:00Z"])
            #expect(try await Self.dueTimes("quarterly", anchor: "2026-11-30T00:00:00Z", count: 3, on: broker)
                == ["2026-11-30T00:00:00Z", "2027-02-28T00:00:00Z", "2027-05-30T00:00:00Z"])
            #expect(try await Self.dueTimes("bimonthly", anchor: "2026-12-15T08:00:00Z", count: 2, on: broker)
                == ["2026-12-15T08:00:00Z", "2027-02-15T08:00:00Z"])
            #expect(try await Self.dueTimes("yearly", anchor: "2028-02-29T12:00:00Z", count: 3, on: broker)
                == ["2028-02-29T12:00:00Z", "2029-02-28T12:00:00Z", "2030-02-28T12:00:00Z"])
            #expect(try await Self.dueTimes("biweekly", anchor: "2026-12-01T09:00:00Z", count: 3, on: broker)
                == ["2026-12-01T09:00:00Z", "2026-12-15T09:00:00Z", "2026-12-29T09:00:00Z"])
        }
    }

    /// Daylight-saving time in Paris begins on 29 March 2026 (02:00 becomes 03:00) and ends on
    /// 25 October (03:00 becomes 02:00): a daily or weekly 03:00 stays 03:00 local, its UTC
    /// time moving by an hour; an hourly schedule counts elapsed hours.
    @Test func calendarTypesKeepTheirLocalTimeAcrossDaylightSavingChanges() async throws {
        try await TestDatabase.withBroker { broker async throws in
            #expect(try await Self.dueTimes("daily", zone: "Europe/Paris", anchor: "2026-03-28T02:00:00Z", count: 3, on: broker)
                == ["2026-03-28T02:00:00Z", "2026-03-29T01:00:00Z", "2026-03-30T01:00:00Z"])
            #expect(try await Self.dueTimes("daily", zone: "Europe/Paris", anchor: "2026-10-24T01:00:00Z", count: 3, on: broker)
                == ["2026-10-24T01:00:00Z", "2026-10-25T02:00:00Z", "2026-10-26T02:00:00Z"])
            #expect(try await Self.dueTimes("weekly", zone: "Europe/Paris", anchor: "2026-03-22T02:00:00Z", count: 2, on: broker)
                == ["2026-03-22T02:00:00Z", "2026-03-29T01:00:00Z"])
            #expect(try await Self.dueTimes("hourly", zone: "Europe/Paris", anchor: "2026-03-29T00:00:00Z", count: 3, on: broker)
                == ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"])
        }
    }

    @Test func cronExpressionsMatchAsCronDoes() async throws {
        try await TestDatabase.withBroker { broker async throws in
            func cron(_ expression: String, zone: String = "UTC", from: String, count: Int) async throws -> [String] {
                try await Self.dueTimes("cron", cron: expression, zone: zone, anchor: from, count: count, on: broker)
            }
            // Weekdays from 9 to 17 every 15 minutes: Friday's last, then Monday's first.
            #expect(try await cron("*/15 9-17 * * mon-fri", from: "2026-12-04T17:45:00Z", count: 2)
                == ["2026-12-04T17:45:00Z", "2026-12-07T09:00:00Z"])
            // Both day fields restricted: a day matching either (the 13th, or a Friday).
            #expect(try await cron("0 12 13 * 5", from: "2026-11-12T13:00:00Z", count: 3)
                == ["2026-11-13T12:00:00Z", "2026-11-20T12:00:00Z", "2026-11-27T12:00:00Z"])
            #expect(try await cron("0 0 29 2 *", from: "2026-03-01T00:00:00Z", count: 1) == ["2028-02-29T00:00:00Z"])
            #expect(try await cron("@monthly", from: "2026-12-02T00:00:00Z", count: 2)
                == ["2027-01-01T00:00:00Z", "2027-02-01T00:00:00Z"])
            #expect(try await cron("5/20 * * * *", from: "2026-12-02T10:06:00Z", count: 3)
                == ["2026-12-02T10:25:00Z", "2026-12-02T10:45:00Z", "2026-12-02T11:05:00Z"])
            // 03:00 in Paris across both changes; 02:30, which 29 March skips, runs at 03:30 that day.
            #expect(try await cron("0 3 * * *", zone: "Europe/Paris", from: "2026-03-28T02:00:00Z", count: 3)
                == ["2026-03-28T02:00:00Z", "2026-03-29T01:00:00Z", "2026-03-30T01:00:00Z"])
            #expect(try await cron("0 3 * * *", zone: "Europe/Paris", from: "2026-10-24T01:00:00Z", count: 3)
                == ["2026-10-24T01:00:00Z", "2026-10-25T02:00:00Z", "2026-10-26T02:00:00Z"])
            #expect(try await cron("30 2 * * *", zone: "Europe/Paris", from: "2026-03-28T01:30:00Z", count: 3)
                == ["2026-03-28T01:30:00Z", "2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"])
            // Every 30 minutes through the night that repeats 02:00-03:00: each instant once, in order.
            let night = try await cron("*/30 * * * *", zone: "Europe/Paris", from: "2026-10-24T23:30:00Z", count: 8)
            #expect(night == night.sorted() && Set(night).count == 8, "\(night)")
        }
    }

    @Test func badSchedulesAreRefusedAndNothingIsStored() async throws {
        try await TestDatabase.withBroker { broker async throws in
            let cases: [(String, ScheduleType, String, LinkOptions, String)] = [
                ("", .once, "UTC", LinkOptions(), "a schedule's name is 1 to 200 characters"),
                ("tab\there", .once, "UTC", LinkOptions(), "no control characters"),
                (String(repeating: "n", count: 201), .once, "UTC", LinkOptions(), "1 to 200 characters"),
                ("c1", .cron("61 * * * *"), "UTC", LinkOptions(), "out of range (0 to 59)"),
                ("c2", .cron("* * *"), "UTC", LinkOptions(), "five fields"),
                ("c3", .cron("0 0 30 2 *"), "UTC", LinkOptions(), "names no day that exists"),
                ("c4", .cron("*/0 * * * *"), "UTC", LinkOptions(), "a step is a whole number from 1"),
                ("c5", .cron("0 0 * * funday"), "UTC", LinkOptions(), "is not understood"),
                ("m", .minutes(0), "UTC", LinkOptions(), "minutes (a whole number from 1)"),
                ("tz", .daily, "Mars/Olympus", LinkOptions(), "no time zone PostgreSQL knows"),
                ("q", .daily, "UTC", LinkOptions(queue: "no spaces"), "a queue's name"),
                ("o", .daily, "UTC", LinkOptions(maxAttempts: 0), "max"),
            ]
            for (name, type, zone, options, says) in cases {
                let error = await #expect(throws: BatonError.self, "\(name)") {
                    try await broker.schedule("baton.echo", name: name, type: type, timeZone: zone, options: options)
                }
                #expect(error?.code == .invalidArgument && error?.message.contains(says) == true,
                        "\(name): \(String(describing: error))")
            }
            let stored = try await count("SELECT count(*) FROM baton.schedules", on: broker)
            #expect(stored == 0)
            // Quotes, markup and unicode are a name like any other, stored as given.
            let hostile = "'; DROP TABLE baton.schedules; -- <script>alert(1)</script> \u{202E}ü"
            let made = try await broker.schedule("baton.echo", args: [.string(hostile)], name: hostile, type: .daily)
            #expect(made.name == hostile)
            #expect(try await broker.schedule(named: hostile)?.name == hostile)
        }
    }

    /// Scheduling the same name again (a redeploy) keeps one schedule and its next run; a new
    /// timing starts it afresh.
    @Test func aScheduleIsUpsertedByName() async throws {
        try await TestDatabase.withBroker { broker async throws in
            let first = try await broker.schedule(
                "baton.echo", args: [1], name: "report", type: .daily, repeats: 5, nextRun: Self.date("2030-01-01T03:00:00Z"))
            try await broker.pauseSchedule("report")
            let again = try await broker.schedule("baton.echo", args: [2], name: "report", type: .daily, repeats: 9)
            #expect(again.nextRun == first.nextRun && again.repeats == 5 && again.paused, "\(again)")
            let retimed = try await broker.schedule("baton.echo", args: [2], name: "report", type: .cron("0 4 * * *"), repeats: 9)
            #expect(retimed.nextRun != first.nextRun && retimed.repeats == 9 && !retimed.paused, "\(retimed)")
            let schedules = try await count("SELECT count(*) FROM baton.schedules", on: broker)
            let args = try await count("SELECT (args ->> 0)::integer FROM baton.schedules", on: broker)
            #expect(schedules == 1 && args == 2)
        }
    }

    @Test func aClusterFiresAScheduleAndItsRunsAreFoundFromIt() async throws {
        try await TestDatabase.withBroker { broker async throws in
            try await withCluster(broker) {
                let due = Date().addingTimeInterval(0.5)
                try await broker.schedule(
                    "baton.echo", args: ["hello"], name: "greeting", nextRun: due, options: LinkOptions(queue: "default"))
                let fired = try await waitUntil(.seconds(10)) {
                    try await broker.schedule(named: "greeting")?.lastState == "succeeded"
                }
                #expect(fired)
            }
            let runs = try await broker.scheduleRuns("greeting")
            #expect(runs.count == 1 && runs[0].record?.value == ["hello"], "\(runs)")
            let record = try #require(runs.first?.record)
            #expect(record.name == "greeting")
            #expect(record.startedAt! >= runs[0].dueAt.addingTimeInterval(-0.01), "not before its due time")
            #expect(record.startedAt!.timeIntervalSince(runs[0].dueAt) < 2.5, "at most a look's wait after it")
            let status = try #require(try await broker.schedule(named: "greeting"))
            #expect(status.repeats == 0 && status.runs == 1, "a once schedule is done: \(status)")
        }
    }

    /// After downtime: catch-up fires every missed due time, in order; without it, one; both
    /// count against `repeats`.
    @Test func missedDueTimesAreCaughtUpOrNot() async throws {
        try await TestDatabase.withBroker { broker async throws in
            let past = Date().addingTimeInterval(-600 + 30)
            try await broker.schedule("baton.echo", name: "all", type: .minutes(1), nextRun: past)
            try await broker.schedule("baton.echo", name: "once", type: .minutes(1), nextRun: past, catchUp: false)
            try await broker.schedule("baton.echo", name: "three", type: .minutes(1), repeats: 3, nextRun: past)
            let fired = try await broker.pool.withConnection { connection in
                try await broker.worker.fireSchedules(owner: "test", on: connection)
            }
            #expect(fired.fired == 10 + 1 + 3)
            let all = try await broker.scheduleRuns("all", limit: 100)
            let milliseconds = { (date: Date) in Int((date.timeIntervalSince1970 * 1000).rounded()) }
            #expect(all.map { milliseconds($0.dueAt) }
                == (0..<10).reversed().map { milliseconds(past.addingTimeInterval(Double($0) * 60)) })
            let once = try #require(try await broker.schedule(named: "once"))
            #expect(once.runs == 1 && once.nextRun > Date(), "\(once)")
            let three = try #require(try await broker.schedule(named: "three"))
            #expect(three.runs == 3 && three.repeats == 0)
            let tasks = try await count("SELECT count(*) FROM baton.tasks WHERE name IN ('all', 'once', 'three')", on: broker)
            #expect(tasks == 14)
        }
    }

    @Test func aPausedScheduleFiresNothingButRunsWhenAsked() async throws {
        try await TestDatabase.withBroker { broker async throws in
            try await broker.schedule("baton.echo", name: "held", type: .hourly, nextRun: Date().addingTimeInterval(-10))
            #expect(try await broker.pauseSchedule("held"))
            let fired = try await broker.pool.withConnection { try await broker.worker.fireSchedules(owner: "t", on: $0) }
            #expect(fired.fired == 0)
            let id = try await broker.runScheduleNow("held")
            let runs = try await broker.scheduleRuns("held")
            #expect(runs.map(\.taskID) == [id] && runs[0].firedBy == "run-now")
            #expect(try await broker.resumeSchedule("held"))
            let resumed = try await broker.pool.withConnection { try await broker.worker.fireSchedules(owner: "t", on: $0) }
            #expect(resumed.fired == 1)
            #expect(try await broker.deleteSchedule("held"))
            #expect(try await broker.deleteSchedule("held") == false)
            await #expect(throws: BatonError.self) { try await broker.runScheduleNow("held") }
            let tasks = try await count("SELECT count(*) FROM baton.tasks WHERE name = 'held'", on: broker)
            #expect(tasks == 2, "the tasks it enqueued stay")
        }
    }

    /// Sixteen connections fire the same 40 schedules' 600 due times at once, over and over:
    /// each due time enqueues one task.
    @Test func concurrentFirersEnqueueEachDueTimeOnce() async throws {
        try await TestDatabase.withBroker { broker async throws in
            let past = Date().addingTimeInterval(-15 * 60 + 20)
            for index in 0..<40 {
                try await broker.schedule("baton.echo", args: [.int(index)], name: "s\(index)", type: .minutes(1), nextRun: past)
            }
            let total = try await withThrowingTaskGroup(of: Int.self) { group in
                for firer in 0..<16 {
                    group.addTask {
                        var mine = 0
                        for _ in 0..<5 {
                            mine += try await broker.pool.withConnection { connection in
                                try await broker.worker.fireSchedules(owner: "firer-\(firer)", on: connection).fired
                            }
                        }
                        return mine
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(total == 40 * 15)
            let tasks = try await count("SELECT count(*) FROM baton.tasks", on: broker)
            let distinct = try await count("SELECT count(DISTINCT (schedule, due_at)) FROM baton.schedule_runs", on: broker)
            let linked = try await count("""
                SELECT count(*) FROM baton.schedule_runs AS r JOIN baton.tasks AS t ON t.id = r.task_id AND t.name = r.schedule
                """, on: broker)
            #expect(tasks == 600 && distinct == 600 && linked == 600)
        }
    }
}
