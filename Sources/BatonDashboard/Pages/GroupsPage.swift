import Baton
import Foundation

/// `/groups`: chains and groups newest first, with their progress, 50 a page (keyset on the
/// time they were made and their id: groups_created).
struct GroupsPage: Sendable {
    struct Listed: Sendable {
        let id: String, href: String, kind: String, length: String, done: Int, failed: Int
        let progressMax: Int, percent: Int, created: String, finished: String
    }

    static let pageSize = 50

    let title = "Chains and groups"
    let page = "groups"
    let chrome: Chrome
    let groups: [Listed]
    let next: String?

    static func build(_ request: PageRequest) async throws -> GroupsPage {
        let cursor = request.query["before"]
        let rows = try await request.rows(DashboardSQL.groups, [cursor, request.query["before_id"] ?? "", pageSize + 1])
        var cursors: [(String, String)] = []
        var groups = try rows.map { row -> Listed in
            let (id, done): (String, Int) = (try row.decode("id"), try row.decode("done"))
            let length: Int? = try row.decode("length")
            cursors.append((try row.decode("cursor"), id))
            let whole = max(length ?? done, 1)
            return Listed(
                id: id, href: request.links.group(id), kind: try row.decode("kind"),
                length: length.map(String.init) ?? "open", done: done, failed: try row.decode("failed"),
                progressMax: whole, percent: min(100, done * 100 / whole), created: Format.time(try row.decode("created_at")),
                finished: Format.time(try row.decode("finished_at")))
        }
        var next: String?
        if groups.count > pageSize {
            groups.removeLast()
            let (at, id) = cursors[pageSize - 1]
            next = request.links.page("/groups", [("before", at), ("before_id", id)])
        }
        return GroupsPage(chrome: request.chrome, groups: groups, next: next)
    }
}
