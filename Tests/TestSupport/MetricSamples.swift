import Baton
import Foundation

/// One sample of a scrape, as the Prometheus project's own parser read it (scripts/parse-metrics).
public struct MetricSample: Sendable, CustomStringConvertible {
    public let name: String
    public let labels: [String: String]
    public let value: Double
    public let type: String

    public var description: String { "\(name)\(labels) \(value)" }
}

/// Scrapes of `/metrics`, read by a real Prometheus text parser.
public enum MetricScrape {
    /// The text `url` serves, and the response's content type.
    public static func fetch(_ url: URL) async throws -> (text: String, contentType: String?) {
        let answer = try await HTTPCall.get(url.absoluteString)
        guard answer.status == 200 else { throw TestSupportError("\(url) answered \(answer.status)") }
        return (answer.body, answer.header("Content-Type"))
    }

    /// Every sample of `text`. Throws the parser's complaint when it refuses the text.
    public static func parse(_ text: String) throws -> [MetricSample] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("metrics"))
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let script = TestDatabase.repositoryRoot.appendingPathComponent("scripts/parse-metrics").path
        let parsed = try TestDatabase.runWithStatus(script, [file.path])
        guard parsed.status == 0 else { throw TestSupportError("the Prometheus parser refused the text: \(parsed.error)") }
        return try parsed.output.split(separator: "\n").map { line in
            guard case .object(let fields) = try JSONValue.parse(String(line)),
                  case .string(let name)? = fields["name"], case .object(let labels)? = fields["labels"],
                  case .string(let type)? = fields["type"]
            else { throw TestSupportError("parse-metrics printed \(line)") }
            let value: Double = switch fields["value"] {
            case .double(let number)?: number
            case .int(let number)?: Double(number)
            case .string(let text)?: Double(text) ?? .nan
            default: .nan
            }
            return MetricSample(
                name: name, labels: labels.compactMapValues { if case .string(let text) = $0 { text } else { nil } },
                value: value, type: type)
        }
    }
}

extension [MetricSample] {
    /// The value of the sample named `name` whose labels include `labels`; nil when there is none.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        first { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
    }
}
