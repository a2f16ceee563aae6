import Baton
import Foundation

/// `/task?id=`: one task, unfinished or finished: its arguments, result or error, each failed
/// attempt's error, its timeline, and the actions it allows.
struct TaskPage: Sendable {
    struct Details: Sendable {
        let id: String, function: String, name: String, queue: String, state: String
        let group: String?, groupHref: String?, groupKind: String, position: Int?
        let attempts: Int, maxAttempts: Int?, worker: String
        let args: String, kwargs: String, result: String?, hasResult: Bool, error: String?
        let unfinished: Bool, finished: Bool, retryable: Bool
    }
    struct Moment: Sendable { let event: String, at: String, after: String }
    struct AttemptError: Sendable { let number: Int, text: String }

    let title: String
    let page = "task"
    let chrome: Chrome
    let task: Details
    let timeline: [Moment]
    let attemptErrors: [AttemptError]
    let hasAttemptErrors: Bool
    let here: String

    /// The page, or nil when no task has that id (finished and pruned, or never enqueued).
    static func build(_ request: PageRequest, id: UUID) async throws -> TaskPage? {
        var found = try await request.rows(DashboardSQL.unfinishedTask, [id]).first
        let isFinished = found == nil
        if isFinished { found = try await request.rows(DashboardSQL.finishedTask, [id]).first }
        guard let row = found else { return nil }
        let state: String = try row.decode("state")
        let group: String? = try row.decode("group_id")
        let (enqueued, started): (Date, Date?) = (try row.decode("enqueued_at"), try row.decode("started_at"))
        let stopped: Date? = isFinished ? try row.decode("stopped_at") : nil
        var timeline = [Moment(event: "enqueued", at: Format.time(enqueued), after: "")]
        if !isFinished, let due: Date = try row.decode("run_at"), due > enqueued.addingTimeInterval(0.001) {
            timeline.append(Moment(event: "due", at: Format.time(due), after: Self.after(due, enqueued)))
        }
        if let started { timeline.append(Moment(event: "started", at: Format.time(started), after: Self.after(started, enqueued))) }
        if let stopped {
            timeline.append(Moment(event: state, at: Format.time(stopped), after: Self.after(stopped, started ?? enqueued)))
        }
        let errors: [String] = try row.decode("errors")
        let result: String? = isFinished ? try row.decode("result") : nil
        let idText = id.lowercasedText
        let details = Details(
            id: idText, function: try row.decode("func"), name: try row.decode("name"), queue: try row.decode("queue"),
            state: state, group: group, groupHref: group.map(request.links.group),
            groupKind: try row.decode("group_kind", as: String?.self) ?? "group", position: try row.decode("chain_position"),
            attempts: try row.decode("attempts"), maxAttempts: isFinished ? nil : try row.decode("max_attempts"),
            worker: try row.decode("worker", as: String?.self) ?? "", args: try row.decode("args"),
            kwargs: try row.decode("kwargs"), result: result, hasResult: result != nil && state == "succeeded",
            error: isFinished ? try row.decode("error") : nil, unfinished: !isFinished, finished: isFinished,
            retryable: isFinished && state != "succeeded")
        return TaskPage(
            title: "Task \(idText)", chrome: request.chrome, task: details, timeline: timeline,
            attemptErrors: errors.enumerated().map { AttemptError(number: $0.offset + 1, text: $0.element) },
            hasAttemptErrors: !errors.isEmpty, here: request.links.task(idText))
    }

    private static func after(_ later: Date, _ earlier: Date) -> String {
        "+" + Format.duration(seconds: later.timeIntervalSince(earlier))
    }
}
