import ArgumentParser
import Baton

struct QueueCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "queue",
        abstract: "List, pause, resume or limit queues, for every cluster at once.",
        subcommands: [List.self, Pause.self, Resume.self, Limit.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show each queue: tasks by state, paused, its limit, the clusters serving it.")

        @OptionGroup var database: DatabaseOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() async throws {
            let queues = try await database.withBroker { try await $0.queues() }
            if json { return try show(.array(queues.map(\.json)), json: true) }
            if queues.isEmpty { print("no queues: nothing is queued and no cluster runs") }
            for queue in queues { print(queue.line) }
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a queue: its tasks stay queued, the running ones finish.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The queue's name.")
        var name: String

        func run() async throws {
            try await database.withBroker { try await $0.pauseQueue(name) }
            print("paused \(name)")
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Resume a paused queue.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The queue's name.")
        var name: String

        func run() async throws {
            try await database.withBroker { try await $0.resumeQueue(name) }
            print("resumed \(name)")
        }
    }

    struct Limit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Limit a queue's running tasks across every cluster together.",
            discussion: "LIMIT is a whole number (0 lets none start), or none to remove the limit.")

        @OptionGroup var database: DatabaseOptions

        @Argument(help: "The queue's name.")
        var name: String

        // Taken as it comes, so that a negative number gets the error below, not "missing argument".
        @Argument(parsing: .allUnrecognized, help: "The most of its tasks running at once, or none.")
        var limit: [String] = []

        func validate() throws {
            guard limit.count == 1, limit[0] == "none" || (Int(limit[0]).map { $0 >= 0 } ?? false) else {
                throw ValidationError("the limit is a whole number from 0, or none, not \(limit.joined(separator: " "))")
            }
        }

        func run() async throws {
            let value = Int(limit[0])
            try await database.withBroker { try await $0.limitQueue(name, running: value) }
            print(value.map { "\(name): at most \($0) running" } ?? "\(name): no limit")
        }
    }
}

extension QueueStatus {
    var json: JSONValue {
        [
            "name": .string(name), "queued": .int(queued), "delayed": .int(delayed), "running": .int(running),
            "waiting": .int(waiting), "paused": .bool(paused), "running_limit": runningLimit.map(JSONValue.int) ?? .null,
            "clusters": .int(clusters), "workers": .int(workers),
            "oldest_due_seconds": oldestDueAge.map(JSONValue.double) ?? .null,
        ]
    }

    /// One line for a person: counts, settings, and who serves it.
    var line: String {
        var text = "  \(name): \(queued) queued, \(delayed) delayed, \(running) running, \(waiting) waiting"
        if paused { text += ", paused" }
        if let runningLimit { text += ", at most \(runningLimit) running" }
        text += clusters == 0 ? "; no running cluster serves it" : "; \(workers) workers in \(clusters) clusters"
        return text
    }
}
