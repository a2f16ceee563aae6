/// How long the listener waits before connecting again: 50 ms after a connection that
/// worked, doubled after each attempt that did not, at most 5 s. A pure value, tested
/// without a database.
struct ReconnectBackoff: Equatable {
    static let first = Duration.milliseconds(50)
    static let most = Duration.seconds(5)

    /// The wait before the next attempt.
    private(set) var wait = Self.first

    /// A connection listened: the next break is retried soon.
    mutating func listened() {
        wait = Self.first
    }

    /// An attempt ended (it failed, or its connection broke): returns the wait before the
    /// next, and doubles the one after.
    mutating func ended() -> Duration {
        defer { wait = min(wait * 2, Self.most) }
        return wait
    }
}
