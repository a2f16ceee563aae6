/// Where results go: `baton.results` (false, the default), or the cache.
///
/// As django-q's `cached=True`, `cached: true` keeps a result in the UNLOGGED table
/// `baton.cached_results` until it is deleted (`deleteCached`, `deleteGroup`) or the cache is
/// emptied (a crash of the server empties an UNLOGGED table); as `cached=60`, `cached: 60`
/// or `cached: .expiring(after: .seconds(60))` keeps it that long.
public struct Caching: Sendable, Hashable, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral {
    /// Whether results go to the cache.
    public let isCached: Bool
    /// How long a cached result is kept; nil: until it is deleted, or not cached.
    public let expiry: Duration?

    public static let off = Caching(isCached: false, expiry: nil)
    /// Cached until deleted.
    public static let forever = Caching(isCached: true, expiry: nil)
    public static func expiring(after expiry: Duration) -> Caching { Caching(isCached: true, expiry: expiry) }

    /// What the tables store for `forever`: an expiry no result outlives (PostgreSQL 15's
    /// intervals have no infinity).
    static let foreverInterval = "1000 years"

    private init(isCached: Bool, expiry: Duration?) {
        (self.isCached, self.expiry) = (isCached, expiry)
    }

    public init(booleanLiteral cached: Bool) {
        self = cached ? .forever : .off
    }

    /// Seconds, as django-q's `cached=60`.
    public init(integerLiteral seconds: Int) {
        self = .expiring(after: .seconds(seconds))
    }

    /// The expiry as a PostgreSQL interval, nil when not cached.
    var interval: String? {
        guard isCached else { return nil }
        return expiry?.postgresInterval ?? Self.foreverInterval
    }
}
