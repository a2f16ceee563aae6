import ArgumentParser
import Baton
import LibPQ

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the queue: tasks by function and state, the queues, the clusters, the last hour's results."
    )

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let queues = try await database.withBroker { try await $0.queues() }
        try await database.withConnection { connection in try await report(queues: queues, on: connection) }
    }

    private func report(queues: [QueueStatus], on connection: Connection) async throws {
        let tasks = try await connection.query(InfoSQL.tasks).map { row -> JSONValue in
            [
                "function": .string(try row.decode("func")), "waiting": .int(try row.decode("waiting")),
                "queued": .int(try row.decode("queued")), "running": .int(try row.decode("running")),
            ]
        }
        let clusters = try await connection.query(InfoSQL.clusters).map { row -> JSONValue in
            [
                "name": .string(try row.decode("name")), "workers": .int(try row.decode("workers")),
                "running": .int(try row.decode("running")), "seen_seconds_ago": .double(try row.decode("seen_ago")),
                "alive": .bool(try row.decode("alive")), "finished": .int(try row.decode("finished")),
                "rss_bytes": try row.decode("rss_bytes", as: Int?.self).map(JSONValue.int) ?? .null,
                "uptime_seconds": .double(try row.decode("uptime")),
                "queues": try JSONValue.parse(try row.decode("queues", as: String.self)),
            ]
        }
        let hour = try await connection.query(InfoSQL.lastHour)[0]
        let summary: JSONValue = [
            "tasks": .array(tasks), "queues": .array(queues.map(\.json)), "clusters": .array(clusters),
            "last_hour": [
                "results": .int(try hour.decode("results")), "failures": .int(try hour.decode("failures")),
                "cancelled": .int(try hour.decode("cancelled")),
            ],
        ]
        if json { return try show(summary, json: true) }
        print("tasks by function (waiting / queued / running):")
        if tasks.isEmpty { print("  none") }
        for case .object(let task) in tasks {
            print("  \(task["function"]!.plain): \(task["waiting"]!) / \(task["queued"]!) / \(task["running"]!)")
        }
        print("queues:")
        if queues.isEmpty { print("  none") }
        for queue in queues { print(queue.line) }
        print("clusters:")
        if clusters.isEmpty { print("  none") }
        for case .object(let cluster) in clusters {
            let state = cluster["alive"] == true ? "alive" : "silent"
            let memory = cluster["rss_bytes"].flatMap { if case .int(let bytes) = $0 { bytes } else { nil } }
                .map { String(format: "%.1f MiB", Double($0) / 1_048_576) } ?? "unknown"
            let served = if case .object(let queues)? = cluster["queues"] {
                queues.keys.sorted().map { "\($0)=\(queues[$0]!)" }.joined(separator: " ")
            } else { "" }
            print("  \(cluster["name"]!.plain): \(state), \(cluster["running"]!) of \(cluster["workers"]!) workers busy (\(served)), "
                + "\(cluster["finished"]!) tasks done, memory \(memory), up \(cluster["uptime_seconds"]!.plain) s, "
                + "seen \(cluster["seen_seconds_ago"]!.plain) s ago")
        }
        print("last hour: \(try hour.decode("results", as: Int.self)) results, "
            + "\(try hour.decode("failures", as: Int.self)) failures, "
            + "\(try hour.decode("cancelled", as: Int.self)) chain links cancelled before they ran")
    }
}

extension JSONValue {
    /// A string without quotes; other values as they print.
    var plain: String {
        if case .string(let text) = self { return text }
        return description
    }
}
