import Foundation
import LibPQ

extension Broker {
    /// Creates or replaces the schedule `name`: `function` with its arguments, enqueued at
    /// `nextRun` and at every later due time `type` gives. django-q's `schedule()`.
    ///
    /// Whatever the number of clusters, each due time enqueues one task: the cluster that
    /// locks a due schedule enqueues its task, records the due time under a key that cannot be
    /// inserted twice and advances the next run, in one transaction.
    ///
    /// - Parameters:
    ///   - name: the schedule's name, 1 to 200 characters; scheduling the same name again
    ///     replaces it. With the same timing (type, time zone) and no `nextRun`, it keeps its
    ///     next run, runs left and pause: a redeploy that schedules again changes nothing of when.
    ///   - timeZone: the calendar the type counts in (`Europe/Paris`); UTC by default.
    ///   - repeats: runs in all, -1 for ever, 0 never.
    ///   - nextRun: the first due time; by default now (for `cron`, its next match).
    ///   - catchUp: after downtime, true fires each missed due time; false fires once and moves on.
    ///   - options: the task's options: queue, priority, timeout, attempts, hook, name (the
    ///     schedule's name unless given), save.
    ///   - transaction: the caller's open transaction: the schedule exists only if it commits.
    /// - Returns: the schedule as stored (its last run left out: `schedule(named:)` reads it).
    /// - Throws: `BatonError.invalidArgument` for a name, type, time zone, cron expression or
    ///   option it cannot use; nothing is stored then.
    @discardableResult
    public func schedule(
        _ function: String, args: [JSONValue] = [], kwargs: [String: JSONValue] = [:], name: String,
        type: ScheduleType = .once, timeZone: String = "UTC", repeats: Int = -1, nextRun: Date? = nil,
        catchUp: Bool = true, options: LinkOptions = LinkOptions(), in transaction: Transaction? = nil
    ) async throws -> ScheduleStatus {
        if let queue = options.queue { try QueueName.check(queue) }
        let (argsText, kwargsText) = (try JSONValue.array(args).jsonText(), try JSONValue.object(kwargs).jsonText())
        try checkSize(argsText.utf8.count + kwargsText.utf8.count, of: "schedule \(name)'s arguments")
        let parameters: [any SQLEncodable] = [
            name, function, argsText, kwargsText, type.name, type.everyMinutes, type.cronExpression, timeZone, repeats, nextRun,
            catchUp, try JSONValue.object(options.json).jsonText(),
        ]
        return try await invalidInputAsBatonError {
            let rows = if let transaction {
                try await transaction.query(ScheduleSQL.upsert, parameters)
            } else {
                try await pool.withConnection { try await $0.query(ScheduleSQL.upsert, parameters) }
            }
            return try ScheduleStatus(row: rows[0])
        }
    }

    /// Every schedule, by name, with its last run.
    public func schedules() async throws -> [ScheduleStatus] {
        try await query(ScheduleSQL.status).map(ScheduleStatus.init(row:))
    }

    /// The schedule `name`; nil when there is none.
    public func schedule(named name: String) async throws -> ScheduleStatus? {
        try await query(ScheduleSQL.one, name).first.map(ScheduleStatus.init(row:))
    }

    /// A schedule's last runs (its last 100 are kept), newest first, each with its task's record once finished.
    public func scheduleRuns(_ name: String, limit: Int = 10) async throws -> [ScheduleRun] {
        try await query(ScheduleSQL.runs, name, max(0, limit)).map(ScheduleRun.init(row:))
    }

    /// Pauses a schedule: it fires nothing until resumed. Returns false when there is no such schedule.
    @discardableResult
    public func pauseSchedule(_ name: String) async throws -> Bool {
        try await query(ScheduleSQL.steer, name, true, false)[0].decode(0)
    }

    /// Resumes a paused schedule; its due times meanwhile are caught up if it says so.
    @discardableResult
    public func resumeSchedule(_ name: String) async throws -> Bool {
        try await query(ScheduleSQL.steer, name, false, false)[0].decode(0)
    }

    /// Deletes a schedule and its runs; the tasks it enqueued stay. Returns false when there was none.
    @discardableResult
    public func deleteSchedule(_ name: String) async throws -> Bool {
        try await query(ScheduleSQL.steer, name, Bool?.none, true)[0].decode(0)
    }

    /// Enqueues a schedule's task now, leaving its next run as it is; returns the task's id.
    /// - Throws: `BatonError.invalidArgument` when there is no such schedule.
    @discardableResult
    public func runScheduleNow(_ name: String) async throws -> UUID {
        // Its enqueue wakes the waiting clusters at commit (tasks_wake), as any enqueue by SQL.
        try await invalidInputAsBatonError { try await query(ScheduleSQL.runNow, name)[0].decode(0) }
    }
}
