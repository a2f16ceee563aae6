/// How many tasks a cluster claims beyond its free workers: enough to keep its workers busy
/// through one claim's round trip, twice over, and never more than the configured maximum.
/// Short tasks get a deep local queue, so that workers never wait for a claim; long ones
/// a single task, so that the rest wait in the database for whichever cluster is free.
///
/// A pure value: the cluster tells it how long tasks and claims take, and asks for the depth.
struct Prefetch: Sendable {
    let workers: Int
    let maximum: Int
    /// Moving averages, in seconds; nil until first measured.
    private(set) var averageRun: Double?
    private(set) var averageClaim: Double?

    init(workers: Int, maximum: Int) {
        self.workers = workers
        self.maximum = maximum
    }

    /// A task ran for `duration`.
    mutating func ran(for duration: Duration) {
        averageRun = Self.average(averageRun, duration.seconds)
    }

    /// A claim's round trip took `duration`.
    mutating func claimed(in duration: Duration) {
        averageClaim = Self.average(averageClaim, duration.seconds)
    }

    /// Tasks to hold beyond the free workers. None until both are measured, so that a
    /// cluster that has just started takes no more than it can run.
    var depth: Int {
        guard let run = averageRun, let claim = averageClaim else { return 0 }
        let finishedDuringAClaim = Double(workers) * claim / max(run, 1e-6)
        return min(maximum, Int(min(Double(maximum), 2 * finishedDuringAClaim).rounded(.up)))
    }

    private static func average(_ old: Double?, _ new: Double) -> Double {
        guard let old else { return new }
        return old * 0.9 + new * 0.1
    }
}
