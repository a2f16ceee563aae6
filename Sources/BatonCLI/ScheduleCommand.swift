import ArgumentParser
import Baton
import Foundation

struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Add, list, pause, resume, delete or run schedules: tasks enqueued at their due times.",
        discussion: """
            Every running cluster fires due schedules (unless started with --no-schedules), and each \
            due time enqueues one task whatever their number.
            """,
        subcommands: [Add.self, List.self, Pause.self, Resume.self, Delete.self, RunNow.self],
        defaultSubcommand: List.self
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or replace a schedule by name (a redeploy that adds it again duplicates nothing).",
            discussion: """
                One of --once (the default), --every 5m, --hourly, --daily [HH:MM], --weekly, --biweekly, \
                --monthly, --bimonthly, --quarterly, --yearly, --cron '0 3 * * *'. --daily HH:MM is the cron \
                expression 'MM HH * * *'. Each ARG is read as JSON, else as a string. Example: \
                baton schedule add nightly-report --cron '0 3 * * *' --tz Europe/Paris reports.nightly 42
                """)

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The schedule's name.")
        var name: String

        @Argument(help: "The function's name.")
        var function: String

        @Argument(parsing: .allUnrecognized, help: "Its positional arguments.")
        var args: [String] = []

        @Option(help: "Keyword arguments as a JSON object.")
        var kwargs = "{}"

        @Flag(help: "Fire once (the default).") var once = false
        @Option(help: "Fire every so many minutes: 5m, 90m, 2h.") var every: String?
        @Flag(help: "Fire every hour.") var hourly = false
        @Option(help: "Fire every day; at HH:MM when given (else from --next-run).")
        var daily: String?
        @Flag(help: "Fire every week.") var weekly = false
        @Flag(help: "Fire every two weeks.") var biweekly = false
        @Flag(help: "Fire every month.") var monthly = false
        @Flag(help: "Fire every two months.") var bimonthly = false
        @Flag(help: "Fire every three months.") var quarterly = false
        @Flag(help: "Fire every year.") var yearly = false
        @Option(help: "Fire at the times of a five-field cron expression: minute hour day-of-month month day-of-week.")
        var cron: String?

        @Option(help: "The time zone the schedule counts in, such as Europe/Paris.")
        var tz = "UTC"

        @Option(help: "Runs in all: -1 for ever.")
        var repeats = -1

        @Option(name: .customLong("next-run"), help: "The first due time, ISO 8601 with its offset (default: now, or the cron expression's next match).")
        var nextRun: String?

        @Flag(name: .customLong("no-catch-up"), help: "After downtime, fire once instead of once for each missed time.")
        var noCatchUp = false

        @Option(help: "The queue its tasks go to.")
        var queue: String?

        @Option(help: "Higher runs first.")
        var priority: Int?

        @Option(help: "Attempts each task gets before its failure is final.")
        var attempts: Int?

        @Option(help: "Seconds one attempt may run.")
        var timeout: Double?

        func validate() throws {
            guard case .object? = try? JSONValue.parse(kwargs) else {
                throw ValidationError("--kwargs must be a JSON object, such as {\"x\": 1}, not \(kwargs)")
            }
            _ = try type()
            if let nextRun, DurationText.date(nextRun) == nil {
                throw ValidationError("--next-run is an ISO 8601 time with its offset, such as 2026-12-24T18:00:00Z, not \(nextRun)")
            }
            if let queue {
                do { try QueueName.check(queue) } catch let error as BatonError { throw ValidationError("--queue: \(error.message)") }
            }
        }

        /// The schedule type the flags give.
        func type() throws -> ScheduleType {
            var given: [ScheduleType] = []
            if once { given.append(.once) }
            if let every {
                guard let duration = DurationText.parse(every), duration >= .seconds(60),
                      duration.components.seconds % 60 == 0, duration.components.attoseconds == 0 else {
                    throw ValidationError("--every is a whole number of minutes, such as 5m, 90m or 2h, not \(every)")
                }
                given.append(.minutes(Int(duration.components.seconds / 60)))
            }
            if let daily {
                let parts = daily.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else {
                    throw ValidationError("--daily is a time of day, HH:MM such as 03:00, not \(daily)")
                }
                given.append(.cron("\(parts[1]) \(parts[0]) * * *"))
            }
            for (flag, type) in [(hourly, ScheduleType.hourly), (weekly, .weekly), (biweekly, .biweekly),
                                 (monthly, .monthly), (bimonthly, .bimonthly), (quarterly, .quarterly), (yearly, .yearly)]
            where flag {
                given.append(type)
            }
            if let cron { given.append(.cron(cron)) }
            guard given.count <= 1 else { throw ValidationError("give one schedule type (--once, --every, --cron, ...)") }
            return given.first ?? .once
        }

        func run() async throws {
            guard case .object(let keywords) = try JSONValue.parse(kwargs) else { return }
            let values = args.map { (try? JSONValue.parse($0)) ?? .string($0) }
            let options = LinkOptions(
                timeout: timeout.map { .milliseconds(Int($0 * 1000)) }, maxAttempts: attempts, priority: priority,
                queue: queue)
            let stored = try await database.withBroker { broker in
                try await broker.schedule(
                    function, args: values, kwargs: keywords, name: name, type: try type(), timeZone: tz,
                    repeats: repeats, nextRun: nextRun.flatMap(DurationText.date), catchUp: !noCatchUp, options: options)
            }
            print("\(stored.name): next run \(Self.time(stored.nextRun))")
        }

        static func time(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show each schedule: its timing, next run, and last runs.")

        @OptionGroup var database: DatabaseOptions

        @Option(help: "How many of each schedule's last runs to show.")
        var runs = 3

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let listed = try await database.withBroker { broker in
                var listed: [(ScheduleStatus, [ScheduleRun])] = []
                for schedule in try await broker.schedules() {
                    listed.append((schedule, try await broker.scheduleRuns(schedule.name, limit: runs)))
                }
                return listed
            }
            if json { return try show(.array(listed.map { $0.0.json(runs: $0.1) }), json: true) }
            if listed.isEmpty { print("no schedules") }
            for (schedule, runs) in listed {
                print(schedule.line)
                for run in runs { print("    \(run.line)") }
            }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause a schedule: it fires nothing until resumed.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The schedule's name.") var name: String

        func run() async throws {
            try await found(database.withBroker { try await $0.pauseSchedule(name) }, name)
            print("paused \(name)")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused schedule.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The schedule's name.") var name: String

        func run() async throws {
            try await found(database.withBroker { try await $0.resumeSchedule(name) }, name)
            print("resumed \(name)")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a schedule (the tasks it enqueued stay).")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The schedule's name.") var name: String

        func run() async throws {
            try await found(database.withBroker { try await $0.deleteSchedule(name) }, name)
            print("deleted \(name)")
        }
    }

    struct RunNow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run-now", abstract: "Enqueue a schedule's task now (its next run stays); print the task id.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The schedule's name.") var name: String

        func run() async throws {
            let id = try await database.withBroker { try await $0.runScheduleNow(name) }
            print(id.uuidString.lowercased())
        }
    }
}

/// Exits 1 saying so when there was no such schedule.
private func found(_ existed: Bool, _ name: String) throws {
    guard existed else {
        FileHandle.standardError.write(Data("baton: there is no schedule \(name.debugDescription)\n".utf8))
        throw ExitCode(1)
    }
}

extension ScheduleStatus {
    var typeText: String {
        switch type {
        case .minutes(let count): "every \(count) min"
        case .cron(let expression): "cron '\(expression)'"
        default: type.name
        }
    }

    /// One line for a person.
    var line: String {
        var text = "  \(name): \(function), \(typeText)"
        if timeZone != "UTC" { text += " (\(timeZone))" }
        text += repeats == 0 ? ", done" : ", next run \(ScheduleCommand.Add.time(nextRun))"
        if repeats > 0 { text += ", \(repeats) runs left" }
        if paused { text += ", paused" }
        text += ", \(runs) runs"
        if let failure { text += "; its last firing failed: \(failure)" }
        return text
    }

    func json(runs: [ScheduleRun]) -> JSONValue {
        [
            "name": .string(name), "function": .string(function), "type": .string(type.name),
            "minutes": type.everyMinutes.map(JSONValue.int) ?? .null, "cron": type.cronExpression.map(JSONValue.string) ?? .null,
            "time_zone": .string(timeZone), "repeats": .int(repeats), "paused": .bool(paused), "catch_up": .bool(catchUp),
            "next_run": .string(ScheduleCommand.Add.time(nextRun)), "runs": .int(self.runs),
            "failure": failure.map(JSONValue.string) ?? .null, "last_runs": .array(runs.map(\.json)),
        ]
    }
}

extension ScheduleRun {
    var outcome: String {
        guard let record else { return "not finished" }
        return record.success ? "succeeded" : "failed: \(record.error ?? "")"
    }

    var line: String {
        "\(ScheduleCommand.Add.time(dueAt)) \(taskID.uuidString.lowercased()) \(outcome)"
    }

    var json: JSONValue {
        [
            "due_at": .string(ScheduleCommand.Add.time(dueAt)), "task": .string(taskID.uuidString.lowercased()),
            "fired_by": .string(firedBy), "outcome": .string(outcome),
        ]
    }
}
