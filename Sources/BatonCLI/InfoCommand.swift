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
        let (queues, clusters) = try await database.withBroker { (try await $0.queues(), try await $0.clusters()) }
        try await database.withConnection { connection in try await report(queues: queues, clusters: clusters, on: connection) }
    }

    private func report(queues: [QueueStatus], clusters: [ClusterStatus], on connection: Connection) async throws {
        let tasks = try await connection.query(InfoSQL.tasks).map { row -> JSONValue in
            [
                "function": .string(try row.decode("func")), "waiting": .int(try row.decode("waiting")),
                "queued": .int(try row.decode("queued")), "running": .int(try row.decode("running")),
            ]
        }
        let clusters = clusters.map { cluster -> JSONValue in
            [
                "name": .string(cluster.name), "workers": .int(cluster.workers), "running": .int(cluster.running),
                "seen_seconds_ago": .double(cluster.seenSecondsAgo), "alive": .bool(cluster.alive),
                "finished": .int(cluster.finished), "rss_bytes": cluster.residentBytes.map(JSONValue.int) ?? .null,
                "uptime_seconds": .double(cluster.uptimeSeconds), "queues": .object(cluster.queues.mapValues(JSONValue.int)),
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
