import ArgumentParser
import Baton
import LibPQ

/// The options every command that talks to the database shares.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "The database URL or conninfo string.")
    var url: String?

    func configuration() throws -> ConnectionConfiguration {
        if let url { return try ConnectionConfiguration(url) }
        return try DatabaseSettings.fromEnvironment()
    }

    func connect() async throws -> Connection {
        try await Connection.connect(configuration())
    }
}
