import ArgumentParser
import Foundation
import Logging

/// How the long-running commands log: `--log-format text|json` (`BATON_LOG_FORMAT`) and
/// `--log-level` (`BATON_LOG_LEVEL`), to standard error.
struct LogOptions: ParsableArguments {
    @Option(name: .customLong("log-format"), help: "text, or json: one JSON object per line (default: BATON_LOG_FORMAT, else text).")
    var format: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default: BATON_LOG_LEVEL, else info).")
    var level: String?

    private var environment: [String: String] { ProcessInfo.processInfo.environment }
    private var chosenFormat: String { (format ?? environment["BATON_LOG_FORMAT"] ?? "text").lowercased() }
    private var chosenLevel: String { (level ?? environment["BATON_LOG_LEVEL"] ?? "info").lowercased() }

    func validate() throws {
        guard ["text", "json"].contains(chosenFormat) else {
            throw ValidationError("the log format (--log-format, BATON_LOG_FORMAT) is text or json, not \(chosenFormat)")
        }
        guard Logger.Level(rawValue: chosenLevel) != nil else {
            throw ValidationError("the log level (--log-level, BATON_LOG_LEVEL) is trace, debug, info, notice, warning, "
                + "error or critical, not \(chosenLevel)")
        }
    }

    /// Sets the process's log handler; once, before the first logger is made.
    func bootstrap() {
        let (json, level) = (chosenFormat == "json", Logger.Level(rawValue: chosenLevel) ?? .info)
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
