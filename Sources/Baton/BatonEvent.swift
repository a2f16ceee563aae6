/// A notification on channel `baton`, sent once by each transaction that changes a task.
enum BatonEvent: Equatable, Sendable {
    /// New work is queued.
    case queued
    /// A task finished and released the next link of its chain.
    case released(task: String, group: String?)
    /// A task finished; nothing new is queued.
    case done(task: String, group: String?)

    static let channel = "baton"

    /// Reads a payload: `queued`, `released <task> <group>` or `done <task> <group>`.
    init?(payload: String) {
        if payload == "queued" {
            self = .queued
            return
        }
        let parts = payload.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        let task = String(parts[1])
        let group = parts.count == 3 && !parts[2].isEmpty ? String(parts[2]) : nil
        switch parts[0] {
        case "released": self = .released(task: task, group: group)
        case "done": self = .done(task: task, group: group)
        default: return nil
        }
    }

    /// Whether idle workers should look for work.
    var wakesWorkers: Bool {
        switch self {
        case .queued, .released: true
        case .done: false
        }
    }

    /// The task and group ids it concerns (lower-case task ids, as PostgreSQL prints them).
    var ids: [String] {
        switch self {
        case .queued: []
        case .released(let task, let group), .done(let task, let group): [task] + (group.map { [$0] } ?? [])
        }
    }
}
