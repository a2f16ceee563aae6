import Foundation
import LibPQ

/// One due time a schedule fired, and the task it enqueued (`Broker.scheduleRuns`).
public struct ScheduleRun: Sendable, Hashable {
    public let dueAt: Date
    public let taskID: UUID
    /// The cluster that fired it, or `run-now`.
    public let firedBy: String
    /// The task's record once it has finished (nil while queued or running, or when its
    /// result was not kept).
    public let record: TaskRecord?

    init(row: Row) throws {
        (dueAt, taskID, firedBy) = (try row.decode("due_at"), try row.decode("task_id"), try row.decode("fired_by"))
        record = try row.decode("id", as: UUID?.self) == nil ? nil : try TaskRecord(row: row)
    }
}
