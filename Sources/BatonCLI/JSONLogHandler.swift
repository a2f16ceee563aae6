import Baton
import Foundation
import Logging
import Synchronization

/// Writes one JSON object per line to standard error: `time`, `level`, `label`, `message`,
/// then the metadata under their own keys (`cluster`, `task`, `function`, `queue`, `error`,
/// ...), for log collectors that read JSON (`--log-format json`).
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    /// One line at a time, whole, whatever the threads logging.
    private static let output = Mutex(())
    /// UTC to the millisecond: `2026-12-02T22:33:11.466Z`.
    private static let time = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    init(label: String) {
        self.label = label
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields: [String: JSONValue] = [:]
        let merged = metadata.merging(metadataProvider?.get() ?? [:]) { $1 }.merging(event.metadata ?? [:]) { $1 }
        for (key, value) in merged { fields[key] = Self.json(value) }
        fields["time"] = .string(Date().formatted(Self.time))
        fields["level"] = .string(event.level.rawValue)
        fields["label"] = .string(label)
        fields["message"] = .string(event.message.description)
        guard let line = try? JSONValue.object(fields).jsonText() else { return }
        Self.output.withLock { _ in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    private static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let value): .string(value.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let values): .object(values.mapValues(json))
        }
    }
}
