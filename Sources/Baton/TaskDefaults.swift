import Foundation

/// What an enqueue call that does not say gets, as django-q's `Q_CLUSTER` settings give
/// it: `sync` (every task run in its caller, for tests), `cached`, attempts, the first
/// retry's delay, and a time limit. Set in code (`Broker(configuration:defaults:)`) or by
/// the environment (`Broker.fromEnvironment()`, `Broker.shared()`):
///
/// | variable | meaning |
/// |---|---|
/// | `BATON_SYNC` | `1` or `true`: run every task in its caller |
/// | `BATON_CACHED` | `true` (until deleted) or seconds |
/// | `BATON_MAX_ATTEMPTS` | attempts before a failure is final |
/// | `BATON_RETRY_DELAY` | seconds before the first retry |
/// | `BATON_TIMEOUT` | seconds one attempt may run (else the cluster's limit) |
public struct TaskDefaults: Sendable, Hashable {
    public var sync: Bool
    public var cached: Caching
    public var maxAttempts: Int
    public var retryDelay: Duration
    public var timeout: Duration?

    public init(
        sync: Bool = false, cached: Caching = false, maxAttempts: Int = 1, retryDelay: Duration = .seconds(1),
        timeout: Duration? = nil
    ) {
        (self.sync, self.cached, self.maxAttempts, self.retryDelay, self.timeout) = (sync, cached, maxAttempts, retryDelay, timeout)
    }

    /// The defaults the environment sets; the built-in ones for what it leaves unset.
    /// - Throws: `BatonError.invalidArgument` naming a variable whose value is not understood.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> TaskDefaults {
        var defaults = TaskDefaults()
        func value(_ name: String) -> String? {
            environment[name].map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        func invalid(_ name: String, _ expected: String) -> BatonError {
            BatonError(code: .invalidArgument, message: "\(name) is \(expected), not \"\(environment[name] ?? "")\"")
        }
        func seconds(_ name: String) throws -> Duration? {
            guard let text = value(name) else { return nil }
            guard let seconds = Double(text), seconds >= 0, seconds.isFinite else { throw invalid(name, "a number of seconds") }
            return .milliseconds(Int(seconds * 1000))
        }
        if let text = value("BATON_SYNC") {
            switch text.lowercased() {
            case "1", "true", "yes", "on": defaults.sync = true
            case "0", "false", "no", "off": defaults.sync = false
            default: throw invalid("BATON_SYNC", "true or false")
            }
        }
        if let text = value("BATON_CACHED") {
            switch text.lowercased() {
            case "1", "true", "yes", "on": defaults.cached = .forever
            case "0", "false", "no", "off": defaults.cached = .off
            default:
                guard let expiry = try seconds("BATON_CACHED"), expiry > .zero else {
                    throw invalid("BATON_CACHED", "true, false or a number of seconds")
                }
                defaults.cached = .expiring(after: expiry)
            }
        }
        if let text = value("BATON_MAX_ATTEMPTS") {
            guard let attempts = Int(text), attempts >= 1 else { throw invalid("BATON_MAX_ATTEMPTS", "a whole number from 1") }
            defaults.maxAttempts = attempts
        }
        if let delay = try seconds("BATON_RETRY_DELAY") { defaults.retryDelay = delay }
        if let timeout = try seconds("BATON_TIMEOUT") {
            guard timeout > .zero else { throw invalid("BATON_TIMEOUT", "a positive number of seconds") }
            defaults.timeout = timeout
        }
        return defaults
    }
}
