import Foundation
import LibPQ

/// Which tasks a list shows: a state (or a set of them), a queue, a function, a group, and a
/// search by id, name or group; read from the URL's query and given back to its links.
struct TaskFilter: Sendable {
    static let unfinishedStates = ["queued", "delayed", "running", "waiting"]
    static let finishedStates = ["succeeded", "failed", "cancelled"]
    static let choices = ["all", "unfinished"] + unfinishedStates + ["finished"] + finishedStates

    let state: String
    let queue: String?
    let function: String?
    let group: String?
    let search: String?

    init(state: String, queue: String?, function: String?, group: String?, search: String?) {
        (self.state, self.queue, self.function, self.group, self.search) = (state, queue, function, group, search)
    }

    init(query: [String: String], defaultState: String = "all") {
        let asked = query["state"] ?? defaultState
        state = Self.choices.contains(asked) ? asked : "all"
        (queue, function, group, search) = (query["queue"], query["function"], query["group"], query["q"])
    }

    var unfinished: [String] {
        switch state {
        case "all", "unfinished": Self.unfinishedStates
        case let one where Self.unfinishedStates.contains(one): [one]
        default: []
        }
    }

    var finished: [String] {
        switch state {
        case "all", "finished": Self.finishedStates
        case let one where Self.finishedStates.contains(one): [one]
        default: []
        }
    }

    /// The statement's parameters after the cursor: queue, function, group, search text and id,
    /// rows, states, and whether only failures are wanted (results_failed).
    func parameters(limit: Int) -> [any SQLEncodable] {
        let id = search.flatMap { UUID(uuidString: $0) }
        let failuresOnly = !finished.isEmpty && !finished.contains("succeeded")
        return [queue, function, group, search, id, limit, unfinished, finished, failuresOnly]
    }

    /// The URL query that shows this filter again.
    var query: [(String, String?)] {
        [("state", state == "all" ? nil : state), ("queue", queue), ("function", function), ("group", group), ("q", search)]
    }
}
