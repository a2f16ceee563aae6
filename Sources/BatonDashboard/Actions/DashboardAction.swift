import Baton
import Foundation
import LibPQ

/// What a POST to `/actions` asks for, each through the same SQL functions as the command
/// line (`baton.cancel`, `baton.retry`, `baton.steer_queue`, ...): tasks cancelled, retried or
/// their results deleted, by id or every one a filter matches; a chain or group cancelled or
/// its failures retried; a queue paused, resumed or limited; a schedule run now, paused or
/// resumed.
enum DashboardAction: Sendable {
    case cancelTasks([UUID]), retryTasks([UUID]), deleteResults([UUID])
    case cancelMatching(TaskFilter), retryMatching(TaskFilter)
    case cancelGroup(String), retryGroup(String)
    case pauseQueue(String), resumeQueue(String), limitQueue(String, Int?)
    case runSchedule(String), pauseSchedule(String), resumeSchedule(String)

    /// The action a form names, or why it names none that can be done.
    static func parse(_ form: FormValues) -> Result<DashboardAction, DashboardActionError> {
        let ids = form.all("task").compactMap { UUID(uuidString: $0) }
        func needs<T>(_ value: T?, _ what: String) -> Result<T, DashboardActionError> {
            value.map { .success($0) } ?? .failure(DashboardActionError("the form names no \(what)"))
        }
        func tasks(_ make: ([UUID]) -> DashboardAction) -> Result<DashboardAction, DashboardActionError> {
            ids.isEmpty ? .failure(DashboardActionError("no task was selected")) : .success(make(ids))
        }
        switch form["action"] {
        case "cancel-tasks": return tasks(DashboardAction.cancelTasks)
        case "retry-tasks": return tasks(DashboardAction.retryTasks)
        case "delete-tasks": return tasks(DashboardAction.deleteResults)
        case "cancel-matching": return .success(.cancelMatching(TaskFilter(query: form.firsts)))
        case "retry-matching": return .success(.retryMatching(TaskFilter(query: form.firsts)))
        case "cancel-group": return needs(form["group"], "group").map(DashboardAction.cancelGroup)
        case "retry-group": return needs(form["group"], "group").map(DashboardAction.retryGroup)
        case "pause-queue": return needs(form["queue"], "queue").map(DashboardAction.pauseQueue)
        case "resume-queue": return needs(form["queue"], "queue").map(DashboardAction.resumeQueue)
        case "limit-queue":
            guard let queue = form["queue"] else { return .failure(DashboardActionError("the form names no queue")) }
            guard let text = form["limit"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                return .success(.limitQueue(queue, nil))
            }
            guard let limit = Int(text), limit >= 0 else {
                return .failure(DashboardActionError("a running limit is a whole number from 0, not \(text)"))
            }
            return .success(.limitQueue(queue, limit))
        case "run-schedule": return needs(form["schedule"], "schedule").map(DashboardAction.runSchedule)
        case "pause-schedule": return needs(form["schedule"], "schedule").map(DashboardAction.pauseSchedule)
        case "resume-schedule": return needs(form["schedule"], "schedule").map(DashboardAction.resumeSchedule)
        case let other: return .failure(DashboardActionError("no action named \(other ?? "(none)")"))
        }
    }

    /// Does it; returns what it did, in a sentence.
    func perform(on broker: Broker) async throws -> String {
        switch self {
        case .cancelTasks(let ids):
            var cancelled = 0
            for id in ids { cancelled += try await broker.cancel(id, reason: "cancelled from the dashboard") }
            return "cancelled \(Self.count(cancelled, "task"))"
        case .retryTasks(let ids):
            var retried = 0
            for id in ids { retried += try await broker.retry(id).count }
            return "queued \(Self.count(retried, "task")) again"
        case .deleteResults(let ids):
            let deleted = try await broker.pool.withConnection {
                try await $0.query(DashboardSQL.deleteResults, [ids]).affectedRows
            }
            let kept = ids.count - deleted
            return "deleted \(Self.count(deleted, "result"))" + (kept > 0 ? "; \(kept) not finished (cancel them first) or gone" : "")
        case .cancelMatching(let filter), .retryMatching(let filter):
            let retrying = if case .retryMatching = self { true } else { false }
            let narrowed = TaskFilter(
                state: retrying ? Self.retryState(filter) : Self.cancelState(filter), queue: filter.queue,
                function: filter.function, group: filter.group, search: filter.search)
            let rows = try await broker.pool.withConnection {
                try await $0.query(DashboardSQL.tasks, [UUID?.none] + narrowed.parameters(limit: TasksPage.bulkLimit))
            }
            let ids: [UUID] = try rows.map { try $0.decode("id") }
            return try await (retrying ? DashboardAction.retryTasks(ids) : .cancelTasks(ids)).perform(on: broker)
        case .cancelGroup(let group):
            return "cancelled \(Self.count(try await broker.cancelGroup(group, reason: "cancelled from the dashboard"), "task"))"
        case .retryGroup(let group):
            return "queued \(Self.count(try await broker.retryGroup(group).count, "task")) of \(group) again"
        case .pauseQueue(let queue):
            try await broker.pauseQueue(queue)
            return "paused \(queue)"
        case .resumeQueue(let queue):
            try await broker.resumeQueue(queue)
            return "resumed \(queue)"
        case .limitQueue(let queue, let limit):
            try await broker.limitQueue(queue, running: limit)
            return limit.map { "\(queue): at most \($0) running" } ?? "\(queue): no limit"
        case .runSchedule(let name):
            return "ran \(name) now: task \(try await broker.runScheduleNow(name).lowercasedText)"
        case .pauseSchedule(let name):
            return try await broker.pauseSchedule(name) ? "paused \(name)" : "no schedule named \(name)"
        case .resumeSchedule(let name):
            return try await broker.resumeSchedule(name) ? "resumed \(name)" : "no schedule named \(name)"
        }
    }

    /// Cancelling touches unfinished tasks only; retrying, failed and cancelled ones only.
    private static func cancelState(_ filter: TaskFilter) -> String {
        TaskFilter.unfinishedStates.contains(filter.state) ? filter.state : "unfinished"
    }

    private static func retryState(_ filter: TaskFilter) -> String {
        ["failed", "cancelled"].contains(filter.state) ? filter.state : "failed"
    }

    static func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }
}

struct DashboardActionError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
