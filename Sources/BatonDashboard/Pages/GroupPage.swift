import Baton
import Foundation

/// `/group?id=`: one chain or group, each of its tasks (a chain's in link order) and the
/// actions it allows.
struct GroupPage: Sendable {
    struct Details: Sendable {
        let id: String, kind: String, isChain: Bool, length: String, done: Int, failed: Int?
        let created: String, finished: String, unfinished: Bool, retryable: Bool
    }
    struct Member: Sendable {
        let position: String, shortID: String, href: String, function: String, state: String, stopped: String
        let error: String?
    }

    let title: String
    let page = "group"
    let chrome: Chrome
    let group: Details
    let links: [Member]
    let here: String

    static func build(_ request: PageRequest, id: String) async throws -> GroupPage? {
        guard let row = try await request.rows(DashboardSQL.group, [id]).first else { return nil }
        let kind: String = try row.decode("kind")
        let (failed, unfinished): (Int, Int) = (try row.decode("failed"), try row.decode("unfinished"))
        let length: Int? = try row.decode("length")
        let details = Details(
            id: id, kind: kind, isChain: kind == "chain", length: length.map(String.init) ?? "open (no length yet)",
            done: try row.decode("done"), failed: failed > 0 ? failed : nil, created: Format.time(try row.decode("created_at")),
            finished: Format.time(try row.decode("finished_at")), unfinished: unfinished > 0, retryable: failed > 0)
        let members = try await request.rows(DashboardSQL.groupTasks, [id]).enumerated().map { index, row -> Member in
            let task: UUID = try row.decode("id")
            let position: Int? = try row.decode("chain_position")
            return Member(
                position: String(position ?? index), shortID: task.shortText,
                href: request.links.task(task.lowercasedText), function: try row.decode("func"), state: try row.decode("state"),
                stopped: Format.time(try row.decode("stopped_at")), error: try row.decode("error"))
        }
        return GroupPage(
            title: "\(kind) \(id)", chrome: request.chrome, group: details, links: members, here: request.links.group(id))
    }
}
