/// What a task function throws to run again later without failing (River's and Oban's
/// snooze): its task goes back to the queue, due after `delay`, and the attempt is not
/// counted against its `maxAttempts`.
///
/// ```swift
/// try registry.register("mail.send") { (id: Int) in
///     guard try await mailServer.isUp() else { throw TaskSnooze(for: .seconds(30)) }
///     ...
/// }
/// ```
public struct TaskSnooze: Error, CustomStringConvertible, Sendable {
    public let delay: Duration
    public init(for delay: Duration) { self.delay = max(delay, .zero) }
    public var description: String { "snoozed for \(delay)" }
}
