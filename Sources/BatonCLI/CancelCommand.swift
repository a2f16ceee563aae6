import ArgumentParser
import Baton
import Foundation

struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a task (with the links after it), or every unfinished task of a group or chain.",
        discussion: """
            Cancelled tasks are recorded as cancelled, running ones included: their clusters stop them at \
            once. An id that is no unfinished task is taken as a group's or chain's id. Prints how many \
            tasks were cancelled; exits 1 when there was nothing unfinished to cancel.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "A task id, or a group's or chain's id.")
    var id: String

    @Option(help: "Why, as the records' error says.")
    var reason = "cancelled"

    func run() async throws {
        let (id, reason) = (self.id, self.reason)
        let cancelled = try await database.withBroker { broker in
            if let task = UUID(uuidString: id), case let count = try await broker.cancel(task, reason: reason), count > 0 {
                return count
            }
            return try await broker.cancelGroup(id, reason: reason)
        }
        print("cancelled \(cancelled) \(cancelled == 1 ? "task" : "tasks")")
        if cancelled == 0 { throw ExitCode(1) }
    }
}

struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Run a failed or cancelled task again, or a group's (a chain's from its failed link on).",
        discussion: """
            The task keeps its id and history (attempts, errors) and gets one more attempt. An id that is \
            no finished task is taken as a group's or chain's id. Prints the ids queued again.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "A task id, or a group's or chain's id.")
    var id: String

    func run() async throws {
        let id = self.id
        let again = try await database.withBroker { broker -> [UUID] in
            if let task = UUID(uuidString: id) {
                do {
                    return try await broker.retry(task)
                } catch let error as BatonError where error.message.contains("is not known") {
                    // A chain's id is a UUID too.
                }
            }
            return try await broker.retryGroup(id)
        }
        for task in again { print(task.uuidString.lowercased()) }
    }
}
