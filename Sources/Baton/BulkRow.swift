import Foundation
import LibPQ

/// One task of `asyncTasks`, its options resolved: the fields of its row in the queue.
struct BulkRow {
    let id: UUID
    let name: String
    let function: String
    let args: String
    let kwargs: String
    let priority: Int
    let maxAttempts: Int
    let retryDelay: Duration
    let timeout: Duration?
    let hook: String?
    let save: Bool
    let queue: String

    /// - Throws: `BatonError.invalidArgument` naming the task (`label`) for an option out of range.
    init(_ task: TaskCall, id: UUID, options: LinkOptions, label: String) throws {
        (self.id, function) = (id, task.function)
        name = options.taskName ?? task.function
        args = try JSONValue.array(task.args).jsonText()
        kwargs = try JSONValue.object(task.kwargs).jsonText()
        (priority, maxAttempts, retryDelay) = (options.priority ?? 0, options.maxAttempts ?? 1, options.retryDelay ?? .seconds(1))
        (timeout, hook, save) = (options.timeout, options.hook, options.save ?? true)
        queue = options.queue ?? QueueName.default
        do {
            try QueueName.check(queue)
        } catch let error as BatonError {
            throw BatonError(code: .invalidArgument, message: "\(label) (\(function)): \(error.message)")
        }
        guard maxAttempts >= 1, retryDelay >= .zero, (timeout ?? .seconds(1)) > .zero, name != "", hook != "" else {
            throw BatonError(
                code: .invalidArgument,
                message: "\(label) (\(function)): maxAttempts must be at least 1, retryDelay not negative, timeout "
                    + "positive, a task name and a hook not empty (given \(maxAttempts), \(retryDelay), "
                    + "\(timeout.map { "\($0)" } ?? "no timeout"), \(name.debugDescription), \(hook?.debugDescription ?? "no hook"))")
        }
    }

    /// The fields COPY writes, in `BulkSQL.copyTasks`'s order.
    func copyFields(group: String?, cached: String?, runAt: String, trace: String?) -> [String?] {
        [
            id.lowercasedText, name, function, args, kwargs, String(priority), String(maxAttempts),
            retryDelay.postgresInterval, timeout?.postgresInterval, hook, save ? "t" : "f", queue, group, cached, runAt,
            trace,
        ]
    }
}

/// The rows of `asyncTasks` as one JSON array, for the INSERT that stands in for COPY.
struct BulkColumns {
    private var json = ""

    mutating func append(_ row: BulkRow) throws {
        func text(_ value: String?) throws -> String { try value.map { try JSONValue.string($0).jsonText() } ?? "null" }
        json += json.isEmpty ? "[" : ","
        json += #"{"id":""# + row.id.lowercasedText + #"","name":"# + (try text(row.name))
            + #","func":"# + (try text(row.function)) + #","args":"# + row.args + #","kwargs":"# + row.kwargs
            + #","priority":\#(row.priority),"max_attempts":\#(row.maxAttempts),"retry_delay":"#
            + (try text(row.retryDelay.postgresInterval)) + #","timeout":"# + (try text(row.timeout?.postgresInterval))
            + #","hook":"# + (try text(row.hook)) + #","save":\#(row.save),"queue":"# + (try text(row.queue)) + "}"
    }

    /// `BulkSQL.insertTasks`'s rows, $1.
    var text: String { json.isEmpty ? "[]" : json + "]" }
}

extension LinkOptions {
    /// These options, with `call`'s where these give none.
    func over(_ call: LinkOptions) -> LinkOptions {
        LinkOptions(
            timeout: timeout ?? call.timeout, maxAttempts: maxAttempts ?? call.maxAttempts,
            retryDelay: retryDelay ?? call.retryDelay, priority: priority ?? call.priority, hook: hook ?? call.hook,
            taskName: taskName ?? call.taskName, save: save ?? call.save, queue: queue ?? call.queue)
    }
}
