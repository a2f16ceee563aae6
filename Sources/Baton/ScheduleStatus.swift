import Foundation
import LibPQ

/// A schedule as `baton.schedule_status` shows it: its timing, its next run, and its last
/// run's task and outcome.
public struct ScheduleStatus: Sendable, Hashable {
    public let name: String
    public let function: String
    public let type: ScheduleType
    public let timeZone: String
    /// Runs left: -1 for ever, 0 none.
    public let repeats: Int
    public let paused: Bool
    public let catchUp: Bool
    public let nextRun: Date
    /// Due times fired so far, and the last of them.
    public let runs: Int
    public let lastRun: Date?
    /// The task of the last run, its state (`queued`, `running`, `waiting`, `succeeded`,
    /// `failed`, `gone`), and its error when it failed.
    public let lastTask: UUID?
    public let lastState: String?
    public let lastError: String?
    /// Why its last firing failed (its task could not be enqueued); it was paused then.
    public let failure: String?

    init(row: Row) throws {
        name = try row.decode("name")
        function = try row.decode("func")
        let typeName: String = try row.decode("schedule_type")
        guard let type = ScheduleType(name: typeName, minutes: try row.decode("minutes"), cron: try row.decode("cron")) else {
            throw BatonError(code: .invalidArgument, message: "schedule \(name) has a type this release does not know: \(typeName)")
        }
        self.type = type
        (timeZone, repeats) = (try row.decode("time_zone"), try row.decode("repeats"))
        (paused, catchUp) = (try row.decode("paused"), try row.decode("catch_up"))
        (nextRun, runs, lastRun) = (try row.decode("next_run"), try row.decode("runs"), try row.decode("last_run"))
        (lastTask, lastState, lastError) = (try row.decode("last_task"), try row.decode("last_state"), try row.decode("last_error"))
        failure = try row.decode("failure")
    }
}
