import ArgumentParser
import Baton

struct TaskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "task",
        abstract: "Enqueue one task and print its id.",
        discussion: """
            Each ARG is read as JSON (1, -1, 2.5, true, [1,2], {"a":1}), else as a string; negative \
            numbers are arguments. --delay or --at hold it until then; --queue sends it to a queue \
            of its own (a cluster runs it when it serves that queue: baton cluster --queue NAME=WORKERS).
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var options: EnqueueOptions

    @Argument(help: "The function's name, such as math.floor.")
    var function: String

    @Argument(parsing: .allUnrecognized, help: "Its positional arguments.")
    var args: [String] = []

    @Option(help: "Keyword arguments as a JSON object.")
    var kwargs = "{}"

    @Option(help: "A name to find the task by (baton result NAME), as django-q's task_name.")
    var name: String?

    @Option(help: "Higher runs first (-32768 to 32767).")
    var priority = 0

    func validate() throws {
        try options.check()
        guard case .object? = try? JSONValue.parse(kwargs) else {
            throw ValidationError("--kwargs must be a JSON object, such as {\"x\": 1}, not \(kwargs)")
        }
        // Arguments are taken after the options, also ones such as -1; a misspelt option is not one.
        if let unknown = args.first(where: { $0.hasPrefix("-") && (try? JSONValue.parse($0)) == nil }) {
            throw ValidationError("Unknown option '\(unknown)'")
        }
    }

    func run() async throws {
        guard case .object(let keywords) = try JSONValue.parse(kwargs) else { return }
        let values = args.map { (try? JSONValue.parse($0)) ?? .string($0) }
        let id = try await database.withBroker { broker in
            try await broker.asyncTask(
                function, args: values, kwargs: keywords, group: options.group, cached: options.caching,
                sync: options.running, priority: priority, maxAttempts: options.attempts, retryDelay: options.retryDuration,
                timeout: options.timeoutDuration, taskName: name, hook: options.hook, save: !options.noSave,
                queue: options.queue, runAt: options.atDate, delay: options.delayDuration, unique: options.unique,
                uniqueFor: options.uniqueDuration)
        }
        print(id.uuidString.lowercased())
    }
}

struct ChainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Enqueue a chain and print its group id.",
        discussion: """
            The chain is JSON: [["math.copysign", [1, -1]], ["math.floor", [1]]]. A link may take options \
            of its own, fourth: ["math.floor", [1.5], {}, {"timeout": 30, "max_attempts": 3, "hook": "notify", \
            "task_name": "floor", "save": false, "retry_delay": 2, "priority": 5, "queue": "reports"}]. \
            --queue is the queue of the links that name none; --delay or --at hold the first link until then.
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var options: EnqueueOptions

    @Argument(help: "The chain: a JSON array of [func, [args], {kwargs}, {options}] links.")
    var chain: String

    @Option(help: "What a failing link does to the rest: stop or continue.")
    var policy = "stop"

    func validate() throws {
        try options.check()
        guard ChainPolicy(rawValue: policy) != nil else {
            throw ValidationError("--policy is stop or continue, not \(policy)")
        }
    }

    func run() async throws {
        let id = try await database.withBroker { broker in
            try await broker.asyncChain(
                json: chain, group: options.group, cached: options.caching, sync: options.running,
                policy: ChainPolicy(rawValue: policy) ?? .stop, maxAttempts: options.attempts,
                retryDelay: options.retryDuration, timeout: options.timeoutDuration, hook: options.hook,
                save: !options.noSave, queue: options.queue, runAt: options.atDate, delay: options.delayDuration,
                unique: options.unique, uniqueFor: options.uniqueDuration)
        }
        print(id)
    }
}
