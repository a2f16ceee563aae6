/// An event on channel `baton`. Each transaction that changes tasks sends one
/// notification, whose payload holds one event per line.
enum BatonEvent: Equatable, Sendable {
    /// New work is queued.
    case queued
    /// Too much changed to list: every waiter and idle worker looks again.
    case all
    /// A task finished and released the next link of its chain.
    case released(task: String, group: String?)
    /// A task finished; nothing new is queued.
    case done(task: String, group: String?)
    /// A task was cancelled (`baton.cancel`): recorded, and to be stopped where it runs.
    case cancelled(task: String, group: String?)

    static let channel = "baton"

    /// The events of a payload, one per line; lines it does not know are skipped.
    static func events(in payload: String) -> [BatonEvent] {
        payload.split(separator: "\n").compactMap { BatonEvent(payload: String($0)) }
    }

    /// Whether any event of a payload wakes idle workers (`queued`, `released ...`, `all`),
    /// judged by the first word of each line: a cluster that nobody waits on for results
    /// need not parse the dozens of events a batch of completions sends.
    static func wakeWorkers(_ payload: String) -> Bool {
        var line = payload.utf8[...]
        while !line.isEmpty {
            let end = line.firstIndex(of: UInt8(ascii: "\n")) ?? line.endIndex
            let text = line[..<end]
            if text.elementsEqual("queued".utf8) || text.elementsEqual("all".utf8)
                || text.starts(with: "released ".utf8) {
                return true
            }
            line = end == line.endIndex ? line[end...] : line[line.index(after: end)...]
        }
        return false
    }

    /// Whether a payload may tell of a cancelled task (`cancelled ...` or `all`): a cluster
    /// then looks which of its running tasks it no longer holds.
    static func mentionsCancel(_ payload: String) -> Bool {
        payload == "all" || payload.hasPrefix("cancelled ") || payload.contains("\ncancelled ")
    }

    /// Reads one event: `queued`, `all`, `released <task> <group>`, `done <task> <group>` or
    /// `cancelled <task> <group>`.
    init?(payload: String) {
        switch payload {
        case "queued":
            self = .queued
            return
        case "all":
            self = .all
            return
        default: break
        }
        let parts = payload.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        let task = String(parts[1])
        let group = parts.count == 3 && !parts[2].isEmpty ? String(parts[2]) : nil
        switch parts[0] {
        case "released": self = .released(task: task, group: group)
        case "done": self = .done(task: task, group: group)
        case "cancelled": self = .cancelled(task: task, group: group)
        default: return nil
        }
    }

    /// Whether idle workers should look for work.
    var wakesWorkers: Bool {
        switch self {
        case .queued, .released, .all: true
        case .done, .cancelled: false
        }
    }

    /// The task and group ids it concerns (lower-case task ids, as PostgreSQL prints them).
    var ids: [String] {
        switch self {
        case .queued, .all: []
        case .released(let task, let group), .done(let task, let group), .cancelled(let task, let group):
            [task] + (group.map { [$0] } ?? [])
        }
    }
}
