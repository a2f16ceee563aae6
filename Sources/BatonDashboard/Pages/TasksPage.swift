import Baton
import Foundation

/// `/tasks` and `/failures`: tasks newest first, unfinished and finished, filtered, 50 a page,
/// paged by keyset (the last id shown), so that page 1,000 of a long history costs what page
/// 1 does.
struct TasksPage: Sendable {
    struct Listed: Sendable {
        let id: String, shortID: String, href: String, name: String, named: Bool, function: String, queue: String
        let state: String, group: String?, groupHref: String?, attempts: Int, enqueued: String, stopped: String
        let error: String?
    }
    struct StateChoice: Sendable { let value: String, label: String, selected: Bool }
    struct FilterView: Sendable { let state: String, queue: String, function: String, group: String, search: String }

    static let pageSize = 50
    /// The most tasks one bulk action over a filter touches.
    static let bulkLimit = 1000

    let title: String
    let heading: String
    let page = "tasks"
    let chrome: Chrome
    let states: [StateChoice]
    let filter: FilterView
    let tasks: [Listed]
    let hasTasks: Bool
    let next: String?
    let first: String?
    /// This page's own address, for the forms to come back to.
    let here: String
    let unfinished: Bool
    let finished: Bool
    let bulkLimit = TasksPage.bulkLimit

    static func build(_ request: PageRequest, failures: Bool) async throws -> TasksPage {
        let filter = TaskFilter(query: request.query, defaultState: failures ? "failed" : "all")
        let before = request.query["before"].flatMap { UUID(uuidString: $0) }
        let path = failures ? "/failures" : "/tasks"
        let rows = try await request.rows(DashboardSQL.tasks, [before] + filter.parameters(limit: pageSize + 1))
        var tasks = try rows.map { row -> Listed in
            let id: UUID = try row.decode("id")
            let (name, function): (String, String) = (try row.decode("name"), try row.decode("func"))
            let group: String? = try row.decode("group_id")
            return Listed(
                id: id.lowercasedText, shortID: id.shortText, href: request.links.task(id.lowercasedText),
                name: name, named: name != function, function: function, queue: try row.decode("queue"),
                state: try row.decode("state"), group: group, groupHref: group.map(request.links.group),
                attempts: try row.decode("attempts"), enqueued: Format.time(try row.decode("enqueued_at")),
                stopped: Format.time(try row.decode("stopped_at")), error: try row.decode("error"))
        }
        var next: String?
        if tasks.count > pageSize {
            tasks.removeLast()
            next = request.links.page(path, filter.query + [("before", tasks.last?.id)])
        }
        let here = request.links.page(path, filter.query + [("before", before?.lowercasedText)])
        return TasksPage(
            title: failures ? "Failures" : "Tasks", heading: failures ? "Failures" : "Tasks", chrome: request.chrome,
            states: TaskFilter.choices.map { StateChoice(value: $0, label: $0, selected: $0 == filter.state) },
            filter: FilterView(
                state: filter.state, queue: filter.queue ?? "", function: filter.function ?? "", group: filter.group ?? "",
                search: filter.search ?? ""),
            tasks: tasks, hasTasks: !tasks.isEmpty, next: next, first: before == nil ? nil : request.links.page(path, filter.query), here: here,
            unfinished: !filter.unfinished.isEmpty, finished: filter.finished.contains { $0 != "succeeded" })
    }
}
