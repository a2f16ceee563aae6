import Foundation
import LibPQ

/// How the pages (and `baton monitor`) write times, durations and sizes.
package enum Format {
    /// `2026-12-02 23:40:01.123 UTC`, or without the milliseconds.
    package static func time(_ date: Date?, milliseconds: Bool = true) -> String {
        guard let date else { return "" }
        return date.formatted(
            Date.ISO8601FormatStyle(dateTimeSeparator: .space, timeZone: TimeZone(identifier: "UTC")!)
                .year().month().day().time(includingFractionalSeconds: milliseconds)) + " UTC"
    }

    /// `350 ms`, `4.2 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`.
    package static func duration(seconds: Double) -> String {
        let seconds = max(0, seconds)
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds)
        if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
        if whole < 86_400 { return "\(whole / 3600) h \(whole % 3600 / 60) min" }
        return "\(whole / 86_400) d \(whole % 86_400 / 3600) h"
    }

    package static func megabytes(_ bytes: Int?) -> String {
        bytes.map { String(format: "%.1f MiB", Double($0) / 1_048_576) } ?? ""
    }
}

extension UUID {
    /// `01a2391d…ee8f`: the start (its time) and the end (its randomness) of the id.
    var shortText: String {
        let text = lowercasedText
        return "\(text.prefix(8))…\(text.suffix(4))"
    }
}
