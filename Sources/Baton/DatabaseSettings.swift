import Foundation
import LibPQ

/// Where Baton finds its database: `BATON_DATABASE_URL`, else `DATABASE_URL`, else
/// libpq's own `PG*` variables.
public enum DatabaseSettings {
    /// The variables read, in order of precedence.
    public static let urlVariables = ["BATON_DATABASE_URL", "DATABASE_URL"]

    /// The configuration the environment names.
    /// - Throws: `BatonError.invalidConfiguration` naming the variable when its URL is malformed.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ConnectionConfiguration {
        for variable in urlVariables {
            guard let url = environment[variable], !url.isEmpty else { continue }
            do {
                return try ConnectionConfiguration(url)
            } catch let error as PostgresError {
                throw BatonError(code: .invalidConfiguration, message: "\(variable): \(error.message)")
            }
        }
        return .environment
    }
}
