/// One measured figure of `baton bench`: the median of its runs, and its baseline if any.
struct BenchFigure: Sendable {
    let name: String
    let unit: String
    /// One value per run.
    let runs: [Double]
    /// The name of the baseline figure this one is compared with.
    let baseline: String?

    var median: Double {
        let sorted = runs.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2]
            : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// Rates and latencies from raw measurements.
enum Measure {
    /// Items per second.
    static func rate(_ count: Int, in elapsed: Duration) -> Double {
        Double(count) / max(elapsed.seconds, 1e-9)
    }

    /// The p-th percentile (0...100) of durations, in milliseconds.
    static func percentile(_ values: [Duration], _ p: Double) -> Double {
        let sorted = values.map(\.seconds).sorted()
        guard !sorted.isEmpty else { return 0 }
        let index = min(sorted.count - 1, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1)
        return sorted[max(0, index)] * 1000
    }
}
