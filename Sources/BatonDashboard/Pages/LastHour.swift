import Baton
import Synchronization

/// The overview's chart: results per minute over the last hour, as one reading of
/// `DashboardSQL.lastHour` found them (the newest 50,000 results: 85-100 ms at that size).
struct LastHour: Sendable {
    /// Per minute, by the minute's start (seconds since 1970, the database's clock).
    var minutes: [Double: (succeeded: Int, failed: Int)] = [:]
    /// The database's clock when read (nil: no result in the last hour).
    var readAt: Double?
    /// How far back the newest results reach, when they do not cover the hour.
    var reach: Double?

    static func read(_ request: PageRequest) async throws -> LastHour {
        var reading = LastHour()
        for row in try await request.rows(DashboardSQL.lastHour, [DashboardSQL.recentResults]) {
            if try row.decode("sampled", as: Int.self) >= DashboardSQL.recentResults {
                reading.reach = try row.decode("reach_seconds", as: Double?.self)
            }
            reading.readAt = try row.decode("read_at", as: Double.self)
            reading.minutes[try row.decode("minute", as: Double.self)] = (try row.decode("succeeded"), try row.decode("failed"))
        }
        return reading
    }

    /// The sixty minutes up to `elapsed` after the reading, oldest first.
    func lastSixty(elapsed: Duration) -> [(succeeded: Int, failed: Int)] {
        var sixty = [(succeeded: Int, failed: Int)](repeating: (0, 0), count: 60)
        guard let readAt else { return sixty }
        let now = readAt + elapsed.seconds
        for (minute, counts) in minutes {
            let ago = Int((now - minute) / 60)
            guard ago < 60 else { continue }
            sixty[59 - max(0, ago)].succeeded += counts.succeeded
            sixty[59 - max(0, ago)].failed += counts.failed
        }
        return sixty
    }
}

/// The last `LastHour` reading of this process, shared by its overview pages: a page that
/// refreshes itself on the queue's news reuses it for up to `reuse` (its bars are minutes), so
/// that an overview kept open on a busy queue reads the results once in that time, not on
/// each of its refreshes; a page someone opens or reloads reads it again.
final class LastHourReadings: Sendable {
    static let reuse = Duration.seconds(15)
    private let last = Mutex<(at: ContinuousClock.Instant, reading: LastHour)?>(nil)

    /// The reading and how long ago it was made.
    func reading(_ request: PageRequest) async throws -> (LastHour, elapsed: Duration) {
        if request.isRefresh, let last = last.withLock({ $0 }), ContinuousClock.now - last.at < Self.reuse {
            return (last.reading, .now - last.at)
        }
        let started = ContinuousClock.now
        let reading = try await LastHour.read(request)
        last.withLock { $0 = (started, reading) }
        return (reading, .now - started)
    }
}
