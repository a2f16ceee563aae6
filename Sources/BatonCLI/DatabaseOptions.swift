import ArgumentParser
import Baton
import Foundation

/// The options every command that talks to the database shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "The database URL or conninfo string.")
    var url: String?

    func configuration() throws -> ConnectionConfiguration {
        if let url { return DatabaseSettings.applying(to: try ConnectionConfiguration(url)) }
        return try DatabaseSettings.fromEnvironment()
    }

    func connect() async throws -> Connection {
        try await Connection.connect(configuration())
    }

    /// A connection for `body`, closed when it ends; a database never migrated is said as such.
    func withConnection<R>(_ body: (Connection) async throws -> R) async throws -> R {
        let connection = try await connect()
        do {
            let value = try await MissingSchema.check { try await body(connection) }
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    /// A broker on the database, closed when `body` ends; a database never migrated is said as such.
    func withBroker<R: Sendable>(maxConnections: Int = 4, _ body: (Broker) async throws -> R) async throws -> R {
        try await MissingSchema.check {
            try await Broker.with(
                configuration: configuration(), maxConnections: maxConnections, defaults: try TaskDefaults.fromEnvironment(),
                body)
        }
    }
}

/// Options of the commands that enqueue.
struct EnqueueOptions: ParsableArguments {
    @Option(help: "A group name: tasks with the same group form a group; a chain's group must be new.")
    var group: String?

    @Flag(help: "Keep the results in the cache table (until deleted) instead of baton.results.")
    var cached = false

    @Flag(help: "Run it now, in this process, instead of on a cluster.")
    var sync = false

    @Option(name: .customLong("cache-seconds"), help: "Keep the results in the cache table this many seconds (implies --cached).")
    var cacheSeconds: Int?

    @Option(help: "Attempts each task gets before its failure is final (default: BATON_MAX_ATTEMPTS, else 1).")
    var attempts: Int?

    @Option(name: .customLong("retry-delay"), help: "Seconds before the first retry, doubled for each next one (default: BATON_RETRY_DELAY, else 1).")
    var retryDelay: Double?

    @Option(help: "Seconds one attempt may run (default: BATON_TIMEOUT, else the cluster's).")
    var timeout: Double?

    @Option(help: "A hook the cluster that runs the task calls with its record once it is recorded (registered in that cluster).")
    var hook: String?

    @Flag(name: .customLong("no-save"), help: "Do not keep a successful result (a failure is kept), as django-q's save=False.")
    var noSave = false

    @Option(help: "The queue it goes to; a cluster runs it when it serves that queue.")
    var queue = QueueName.default

    @Option(help: "Run no earlier than this long from now: 30s, 5m, 2h, 1d, or seconds.")
    var delay: String?

    @Option(help: "Run no earlier than this time, ISO 8601 with its offset: 2026-12-24T18:00:00Z.")
    var at: String?

    @Option(help: "A unique key: while a task (or chain) with it is unfinished, enqueue nothing and print its id.")
    var unique: String?

    @Option(name: .customLong("unique-for"), help: "Keep the unique key taken this long after it finished: 10m, 1h.")
    var uniqueFor: String?

    /// Checks what the options say; called by the commands' `validate()`.
    func check() throws {
        do { try QueueName.check(queue) } catch let error as BatonError { throw ValidationError("--queue: \(error.message)") }
        if delay != nil, at != nil { throw ValidationError("give --delay or --at, not both") }
        if let delay, DurationText.parse(delay) == nil {
            throw ValidationError("--delay is a duration such as 30s, 5m, 2h, 1d or a number of seconds, not \(delay)")
        }
        if let uniqueFor, DurationText.parse(uniqueFor).map({ $0 > .zero }) != true {
            throw ValidationError("--unique-for is a positive duration such as 10m or 1h, not \(uniqueFor)")
        }
        if uniqueFor != nil, unique == nil { throw ValidationError("--unique-for goes with --unique") }
        if let at, DurationText.date(at) == nil {
            throw ValidationError("--at is an ISO 8601 time with its offset, such as 2026-12-24T18:00:00Z, not \(at)")
        }
    }

    /// The options given; nil for one left out, which BATON_* defaults then fill (`TaskDefaults`).
    var caching: Caching? {
        if let cacheSeconds { return .expiring(after: .seconds(cacheSeconds)) }
        return cached ? true : nil
    }

    var running: Bool? { sync ? true : nil }
    var retryDuration: Duration? { retryDelay.map { .milliseconds(Int($0 * 1000)) } }
    var timeoutDuration: Duration? { timeout.map { .milliseconds(Int($0 * 1000)) } }
    var delayDuration: Duration? { delay.flatMap(DurationText.parse) }
    var uniqueDuration: Duration? { uniqueFor.flatMap(DurationText.parse) }
    var atDate: Date? { at.flatMap(DurationText.date) }
}

/// Prints a value as JSON, or as a person reads it.
func show(_ value: JSONValue, json: Bool) throws {
    print(json ? try value.jsonText() : value.description)
}
