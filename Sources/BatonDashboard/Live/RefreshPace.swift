import Synchronization

/// How often an open page refreshes itself: at least `least` apart, and `share` times as long
/// as its last refresh took, so that a page kept open on a big queue spends at most 2 % of the
/// time on its queries (the overview over 100,000 queued tasks and 100,000 results takes
/// about 150 ms to build: one refresh every 7.5 s then, every 2 s on a small queue).
final class RefreshPace: Sendable {
    static let least = Duration.seconds(2)
    static let most = Duration.seconds(60)
    static let share = 50

    /// The last refresh's time to build, by page (the template's name: a bounded set).
    private let took = Mutex<[String: Duration]>([:])

    func record(_ page: String, took duration: Duration) {
        took.withLock { $0[page] = duration }
    }

    /// The wait after telling a page of `page` to refresh, before telling it again.
    func interval(for page: String) -> Duration {
        let last = took.withLock { $0[page] } ?? .zero
        return min(Self.most, max(Self.least, last * Self.share))
    }
}
