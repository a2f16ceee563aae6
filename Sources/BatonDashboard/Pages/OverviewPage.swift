import Baton
import Foundation

/// `/`: the queue at a glance: unfinished tasks by state, the last hour's results as a chart,
/// the clusters alive, and each queue's functions with their counts.
struct OverviewPage: Sendable {
    struct Totals: Sendable { var queued = 0, delayed = 0, running = 0, waiting = 0 }
    struct Hour: Sendable { var succeeded = 0, failed = 0 }
    struct Bar: Sendable {
        let x: Int, okY: Double, okHeight: Double, failedY: Double, failedHeight: Double, label: String
    }
    struct Row: Sendable {
        let queue: String, function: String, queued: Int, delayed: Int, running: Int, waiting: Int, failed: Int
        let served: Bool, due: Bool, queueHref: String, functionHref: String
    }

    let title = "Overview"
    let page = "overview"
    let chrome: Chrome
    let totals: Totals
    let hour: Hour
    let clustersAlive: Int
    let chart: [Bar]
    let chartPeak: Int
    /// What the chart covers: the last hour, or as much of it as the newest results reach.
    let chartSpan: String
    let rows: [Row]

    static func build(_ request: PageRequest) async throws -> OverviewPage {
        var totals = Totals()
        let rows = try await request.rows(DashboardSQL.overviewRows, [DashboardSQL.recentFailures]).map { row -> Row in
            let (queue, function): (String, String) = (try row.decode("queue"), try row.decode("func"))
            let counts: [Int] = try ["queued", "delayed", "running", "waiting", "failed"].map { try row.decode($0) }
            totals.queued += counts[0]
            totals.delayed += counts[1]
            totals.running += counts[2]
            totals.waiting += counts[3]
            return Row(
                queue: queue, function: function, queued: counts[0], delayed: counts[1], running: counts[2],
                waiting: counts[3], failed: counts[4], served: try row.decode("served"), due: counts[0] > 0,
                queueHref: request.links.tasks(queue: queue), functionHref: request.links.tasks(queue: queue, function: function))
        }
        let (lastHour, elapsed) = try await request.lastHour.reading(request)
        let minutes = lastHour.lastSixty(elapsed: elapsed)
        let hour = minutes.reduce(into: Hour()) { hour, minute in
            hour.succeeded += minute.succeeded
            hour.failed += minute.failed
        }
        let reach = lastHour.reach
        let peak = max(1, minutes.map { $0.succeeded + $0.failed }.max() ?? 1)
        let chart = minutes.enumerated().map { index, minute -> Bar in
            let failedHeight = Double(minute.failed) / Double(peak) * 96
            let okHeight = Double(minute.succeeded) / Double(peak) * 96
            return Bar(
                x: index * 10, okY: 100 - okHeight - failedHeight, okHeight: okHeight, failedY: 100 - failedHeight,
                failedHeight: failedHeight,
                label: "\(59 - index) min ago: \(minute.succeeded) succeeded, \(minute.failed) failed")
        }
        let alive: Int = try await request.rows(DashboardSQL.clustersAlive)[0].decode(0)
        return OverviewPage(
            chrome: request.chrome, totals: totals, hour: hour, clustersAlive: alive, chart: chart,
            chartPeak: minutes.map { $0.succeeded + $0.failed }.max() ?? 0,
            chartSpan: reach.flatMap { $0 < 3600 ? "the last \(Format.duration(seconds: $0)) (the newest 50,000 results)" : nil }
                ?? "the last hour",
            rows: rows)
    }
}
