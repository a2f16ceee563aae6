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

/// Where results go: `baton.results` (false, the default), or the cache with an expiry.
///
/// `cached: true` keeps results in the UNLOGGED table `baton.cached_results` for
/// `Caching.defaultExpiry` (one hour); `cached: .expiring(after: .seconds(60))` sets another.
public struct Caching: Sendable, Hashable, ExpressibleByBooleanLiteral {
    /// How long a cached result is kept; nil: not cached.
    public let expiry: Duration?

    public static let defaultExpiry: Duration = .seconds(3600)
    public static let off = Caching(expiry: nil)
    public static func expiring(after expiry: Duration) -> Caching { Caching(expiry: expiry) }

    private init(expiry: Duration?) {
        self.expiry = expiry
    }

    public init(booleanLiteral cached: Bool) {
        self.expiry = cached ? Caching.defaultExpiry : nil
    }

    /// The expiry as a PostgreSQL interval, nil when not cached.
    var interval: String? { expiry?.postgresInterval }
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
