import Foundation
import LibPQ

/// Where Baton finds its database: `BATON_DATABASE_URL`, else `DATABASE_URL`, else
/// libpq's own `PG*` variables. Behind PgBouncer in transaction mode, `BATON_PREPARED_STATEMENTS=off`
/// sends every statement with its text, and `BATON_LISTEN_URL` names a direct connection for
/// LISTEN (without it, such a process polls).
public enum DatabaseSettings {
    /// The variables read, in order of precedence.
    public static let urlVariables = ["BATON_DATABASE_URL", "DATABASE_URL"]

    /// `configuration` with the environment's `BATON_PREPARED_STATEMENTS` (`off`, `false`, `0`: unprepared).
    public static func applying(
        _ environment: [String: String] = ProcessInfo.processInfo.environment, to configuration: ConnectionConfiguration
    ) -> ConnectionConfiguration {
        var configuration = configuration
        if let setting = environment["BATON_PREPARED_STATEMENTS"]?.lowercased(), ["off", "false", "0", "no"].contains(setting) {
            configuration.preparedStatements = false
        }
        return configuration
    }

    /// How a process on `configuration` listens: on `BATON_LISTEN_URL` when set (`none`: it
    /// polls), else on the same database, unless statements are unprepared, which says a
    /// transaction pooler is in between: then it polls.
    /// - Throws: `BatonError.invalidConfiguration` when `BATON_LISTEN_URL` is malformed.
    public static func listening(
        for configuration: ConnectionConfiguration,
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Listening {
        if let url = environment["BATON_LISTEN_URL"], !url.isEmpty {
            if url.lowercased() == "none" { return .polling(every: Listening.pollingInterval) }
            do {
                return .direct(try ConnectionConfiguration(url))
            } catch let error as PostgresError {
                throw BatonError(code: .invalidConfiguration, message: "BATON_LISTEN_URL: \(error.message)")
            }
        }
        return configuration.preparedStatements ? .direct(configuration) : .polling(every: Listening.pollingInterval)
    }

    /// The configuration the environment names.
    /// - Throws: `BatonError.invalidConfiguration` naming the variable when its URL is malformed.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ConnectionConfiguration {
        for variable in urlVariables {
            guard let url = environment[variable], !url.isEmpty else { continue }
            do {
                return applying(environment, to: try ConnectionConfiguration(url))
            } catch let error as PostgresError {
                throw BatonError(code: .invalidConfiguration, message: "\(variable): \(error.message)")
            }
        }
        return applying(environment, to: .environment)
    }
}
