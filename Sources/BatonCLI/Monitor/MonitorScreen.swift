import Baton
import BatonDashboard
import Foundation

/// The lines of `baton monitor`'s screen for a snapshot, cut to `width` columns and `height`
/// lines: clusters and their workers, queues with their counts and the last minute's rates, the
/// tasks running now and for how long, the latest failures. A pure function of its input.
struct MonitorScreen {
    let width: Int
    let height: Int

    func lines(_ snapshot: MonitorSnapshot, footer: String) -> [String] {
        var lines = ["Baton monitor · \(Format.time(snapshot.at, milliseconds: false)) · \(footer)", ""]
        lines.append(Self.row(["CLUSTER", "STATE", "QUEUES", "BUSY", "FINISHED", "MEMORY", "UP", "SEEN"],
                              [28, 7, 24, 9, 9, 10, 10, 8]))
        if snapshot.clusters.isEmpty { lines.append("  none running: start one with baton cluster") }
        for cluster in snapshot.clusters {
            lines.append(Self.row([
                cluster.name, cluster.alive ? "alive" : "silent",
                cluster.queues.keys.sorted().map { "\($0)=\(cluster.queues[$0]!)" }.joined(separator: " "),
                "\(cluster.running)/\(cluster.workers)", "\(cluster.finished)",
                Format.megabytes(cluster.residentBytes),
                Format.duration(seconds: cluster.uptimeSeconds), Format.duration(seconds: cluster.seenSecondsAgo) + " ago",
            ], [28, 7, 24, 9, 9, 10, 10, 8]))
        }
        lines.append("")
        let queueWidths = [20, 8, 9, 9, 9, 10, 12, 13, 24]
        lines.append(Self.row(["QUEUE", "QUEUED", "DELAYED", "RUNNING", "WAITING", "DONE/MIN", "FAILED/MIN", "OLDEST", "STATE"],
                              queueWidths))
        if snapshot.queues.isEmpty { lines.append("  no queue has work") }
        for queue in snapshot.queues {
            let rate = snapshot.rates[queue.name]
            var state = queue.paused ? "paused" : queue.clusters == 0 ? "no cluster serves it" : "\(queue.workers) workers"
            if let limit = queue.runningLimit { state += ", at most \(limit)" }
            lines.append(Self.row([
                queue.name, "\(queue.queued)", "\(queue.delayed)", "\(queue.running)", "\(queue.waiting)",
                "\(rate?.finished ?? 0)", "\(rate?.failed ?? 0)", queue.oldestDueAge.map { Format.duration(seconds: $0) } ?? "", state,
            ], queueWidths))
        }
        lines.append("")
        lines.append(Self.row(["RUNNING NOW", "QUEUE", "CLUSTER", "FOR"], [32, 16, 28, 10]))
        if snapshot.running.isEmpty { lines.append("  nothing") }
        for task in snapshot.running {
            lines.append(Self.row([task.function, task.queue, task.worker, Format.duration(seconds: task.seconds)], [32, 16, 28, 10]))
        }
        lines.append("")
        lines.append(Self.row(["LATEST FAILURES", "QUEUE", "AGO", "ERROR"], [32, 16, 14, 60]))
        if snapshot.failures.isEmpty { lines.append("  none") }
        for failure in snapshot.failures {
            let firstLine = failure.error.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            lines.append(Self.row([failure.function, failure.queue, Format.duration(seconds: failure.ago), firstLine], [32, 16, 14, 60]))
        }
        return Array(lines.prefix(max(height, 1))).map { Self.cut($0, to: width) }
    }

    /// Columns padded to their widths; a value too long is cut with an ellipsis.
    static func row(_ values: [String], _ widths: [Int]) -> String {
        zip(values, widths).map { value, width in
            let clean = printable(value)
            let cut = clean.count > width - 1 ? String(clean.prefix(width - 2)) + "…" : clean
            return cut.padding(toLength: width, withPad: " ", startingAt: 0)
        }.joined().trimmingCharacters(in: .whitespaces)
    }

    /// Control characters (a terminal's escapes among them) as visible marks: a name can
    /// neither move the cursor nor recolour the screen.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) ? "·" : scalar
        }))
    }

    static func cut(_ line: String, to width: Int) -> String {
        line.count > width ? String(line.prefix(max(width - 1, 0))) + "…" : line
    }
}
