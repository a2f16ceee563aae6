import ArgumentParser
import Baton

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

    /// A broker on the database, closed when `body` ends.
    func withBroker<R: Sendable>(maxConnections: Int = 4, _ body: (Broker) async throws -> R) async throws -> R {
        try await Broker.with(configuration: configuration(), maxConnections: maxConnections, body)
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

    var caching: Caching { cached ? true : false }
}

/// Prints a value as JSON, or as a person reads it.
func show(_ value: JSONValue, json: Bool) throws {
    print(json ? try value.jsonText() : value.description)
}
