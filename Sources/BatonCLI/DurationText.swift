import Foundation

/// A duration as the command line writes it: a number with a unit, `500ms`, `30s`, `5m`,
/// `2h`, `7d`, or a plain number of seconds (`1.5`).
enum DurationText {
    /// nil for text that is no duration, or a negative one.
    static func parse(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        for (unit, seconds) in units where trimmed.hasSuffix(unit) {
            let number = trimmed.dropLast(unit.count)
            guard let value = Double(number), value.isFinite, value >= 0 else { continue }
            return .milliseconds(Int((value * seconds * 1000).rounded()))
        }
        guard let value = Double(trimmed), value.isFinite, value >= 0 else { return nil }
        return .milliseconds(Int((value * 1000).rounded()))
    }

    /// An ISO 8601 date and time with its offset: `2026-12-24T18:00:00Z`, `2026-12-24T19:00:00+01:00`.
    static func date(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
