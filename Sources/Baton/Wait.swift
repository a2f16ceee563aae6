/// How long a result call waits: not at all (the default), a while, or until the result comes.
///
/// As in django-q, an integer is milliseconds: `wait: 500`; `wait: -1` waits for ever.
public struct Wait: Sendable, Hashable, ExpressibleByIntegerLiteral {
    /// How long; nil waits for ever.
    public let duration: Duration?

    public init(_ duration: Duration?) {
        self.duration = duration.map { max($0, .zero) }
    }

    public init(integerLiteral milliseconds: Int) {
        self.init(milliseconds < 0 ? nil : .milliseconds(milliseconds))
    }

    public static let none = Wait(.zero)
    public static let forever = Wait(nil)
    public static func milliseconds(_ count: Int) -> Wait { Wait(.milliseconds(count)) }
    public static func seconds(_ count: Double) -> Wait { Wait(.milliseconds(Int(count * 1000))) }

    /// Whether this is no wait at all (`wait: 0`).
    public var isNone: Bool { duration == .zero }

    func deadline(from start: ContinuousClock.Instant = .now) -> ContinuousClock.Instant? {
        duration.map { start + $0 }
    }
}

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

/// What a chain does when a link fails.
public enum ChainPolicy: String, Sendable, Hashable {
    /// The remaining links are recorded as cancelled failures; the chain ends (the default).
    case stop
    /// The remaining links run anyway, as in django-q.
    case `continue`
}

extension Duration {
    /// Whole and fractional seconds: `2.5`.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// The duration as PostgreSQL interval text, to microseconds: `3 seconds 250000 microseconds`.
    public var postgresInterval: String {
        let (seconds, attoseconds) = components
        return "\(seconds) seconds \(attoseconds / 1_000_000_000_000) microseconds"
    }
}
