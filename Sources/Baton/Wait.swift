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
