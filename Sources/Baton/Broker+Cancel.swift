import Foundation
import LibPQ

extension Broker {
    /// Cancels a task: queued, waiting or running, it leaves the queue and is recorded as
    /// cancelled (`TaskRecord.cancelled`, not a failure), with the links after it for a
    /// chain link; waiters return. A running task's cluster hears of it at once (NOTIFY) and
    /// cancels its function (Swift cancellation); one that ignores it runs on until its
    /// timeout, and nothing it does then is recorded.
    /// - Returns: how many tasks were cancelled: 0 when the task had finished or is unknown.
    @discardableResult
    public func cancel(_ taskID: UUID, reason: String = "cancelled") async throws -> Int {
        try await invalidInputAsBatonError { try await query(CancelSQL.task, taskID, reason).count }
    }

    /// Cancels every unfinished task of a group or chain, as `cancel` does one.
    /// - Returns: how many tasks were cancelled.
    @discardableResult
    public func cancelGroup(_ groupID: String, reason: String = "cancelled") async throws -> Int {
        try await invalidInputAsBatonError { try await query(CancelSQL.group, groupID, reason).count }
    }

    /// Runs a failed or cancelled task again, by hand: its record leaves the history and it is
    /// queued again with its id, arguments, queue and history (attempts made, errors), one
    /// more attempt allowed; a chain link's cancelled links after it follow it again. Its
    /// other options (timeout, priority, hook, ...) are those of a new task.
    /// - Returns: the tasks queued again, the one that runs next first.
    /// - Throws: `BatonError.invalidArgument` for a task that succeeded, has not finished, or is unknown.
    @discardableResult
    public func retry(_ taskID: UUID) async throws -> [UUID] {
        try await invalidInputAsBatonError { try await query(CancelSQL.retryTask, taskID).map { try $0.decode(0) } }
    }

    /// Runs a group's failed and cancelled tasks again; for a chain, from its first link
    /// that did not succeed on.
    @discardableResult
    public func retryGroup(_ groupID: String) async throws -> [UUID] {
        try await invalidInputAsBatonError { try await query(CancelSQL.retryGroup, groupID).map { try $0.decode(0) } }
    }
}
