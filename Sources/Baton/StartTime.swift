import Foundation
import LibPQ

/// When an enqueued task may first run: at `runAt`, or `delay` after the enqueue by the
/// database's clock (not this process's), else at once. The claim takes no task before its
/// time; an idle cluster wakes when the earliest is due.
struct StartTime: Sendable {
    /// The two parameters the enqueue statements read as `coalesce(at, now() + delay)`.
    let at: Date?
    let delay: String?

    /// - Throws: `BatonError.invalidArgument` for both given, or a negative delay.
    init(runAt: Date?, delay: Duration?) throws {
        if runAt != nil, delay != nil {
            throw BatonError(code: .invalidArgument, message: "give runAt or delay, not both; nothing was enqueued")
        }
        if let delay, delay < .zero {
            throw BatonError(code: .invalidArgument, message: "a delay cannot be negative (given \(delay)); nothing was enqueued")
        }
        (at, self.delay) = (runAt, delay?.postgresInterval)
    }

    var parameters: [any SQLEncodable] { [at, delay] }
}
