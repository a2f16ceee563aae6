import ArgumentParser
import Baton

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the queue: tasks by function and state, workers holding leases, the last hour's results."
    )

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() async throws {
        let connection = try await database.connect()
        let tasks = try await connection.query(InfoSQL.tasks).map { row -> JSONValue in
            [
                "function": .string(try row.decode("func")), "waiting": .int(try row.decode("waiting")),
                "queued": .int(try row.decode("queued")), "running": .int(try row.decode("running")),
            ]
        }
        let workers = try await connection.query(InfoSQL.workers).map { row -> JSONValue in
            ["worker": .string(try row.decode("lease_owner")), "running": .int(try row.decode("running"))]
        }
        let hour = try await connection.query(InfoSQL.lastHour)[0]
        let summary: JSONValue = [
            "tasks": .array(tasks), "workers": .array(workers),
            "last_hour": ["results": .int(try hour.decode("results")), "failures": .int(try hour.decode("failures"))],
        ]
        await connection.close()
        if json { return try show(summary, json: true) }
        print("tasks by function (waiting / queued / running):")
        if tasks.isEmpty { print("  none") }
        for case .object(let task) in tasks {
            print("  \(task["function"]!.plain): \(task["waiting"]!) / \(task["queued"]!) / \(task["running"]!)")
        }
        print("workers holding leases:")
        if workers.isEmpty { print("  none") }
        for case .object(let worker) in workers { print("  \(worker["worker"]!.plain): \(worker["running"]!) running") }
        print("last hour: \(try hour.decode("results", as: Int.self)) results, "
            + "\(try hour.decode("failures", as: Int.self)) failures")
    }
}

extension JSONValue {
    /// A string without quotes; other values as they print.
    var plain: String {
        if case .string(let text) = self { return text }
        return description
    }
}

enum InfoSQL {
    /// Unfinished tasks by function and state (a scan of the small queue table).
    static let tasks = """
        SELECT func, count(*) FILTER (WHERE state = 'waiting') AS waiting,
               count(*) FILTER (WHERE state = 'queued') AS queued,
               count(*) FILTER (WHERE state = 'running') AS running
        FROM baton.tasks GROUP BY func ORDER BY func
        """
    /// Workers holding leases now (tasks_lease_expiry).
    static let workers = """
        SELECT lease_owner, count(*) AS running FROM baton.tasks
        WHERE state = 'running' GROUP BY lease_owner ORDER BY lease_owner
        """
    /// The last hour's results and failures (results_stopped_at).
    static let lastHour = """
        SELECT count(*) AS results, count(*) FILTER (WHERE NOT success) AS failures
        FROM baton.all_results WHERE stopped_at > now() - interval '1 hour'
        """
}
