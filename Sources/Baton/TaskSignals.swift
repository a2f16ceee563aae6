import Synchronization

/// django-q's signals (`pre_enqueue`, `pre_execute`, `post_execute`) and its error reporter
/// (for Sentry-style services): receivers a broker calls around each task.
///
/// Receivers run in the enqueuing process (`preEnqueue`) or in the process that runs the
/// task (a cluster, or the caller for `sync`), on the path of the task, so keep them quick.
/// They cannot fail a task: they return nothing and throw nothing. Tasks enqueued through
/// SQL do not pass `preEnqueue`.
///
/// ```swift
/// broker.signals.onError { task, error in sentry.capture("\(task.function): \(error)") }
/// ```
public final class TaskSignals: Sendable {
    /// A task about to be enqueued: its function, arguments and group.
    public struct Enqueue: Sendable, Hashable {
        public let function: String
        public let args: [JSONValue]
        public let kwargs: [String: JSONValue]
        public let group: String?
    }

    private struct Receivers {
        var preEnqueue: [@Sendable (Enqueue) -> Void] = []
        var preExecute: [@Sendable (ClaimedTask) -> Void] = []
        var postExecute: [@Sendable (ClaimedTask, TaskOutcome) -> Void] = []
        var errors: [@Sendable (ClaimedTask, String) -> Void] = []
    }

    private let receivers = Mutex(Receivers())

    public init() {}

    /// Called before each task is enqueued: each link of a chain, each task of a bulk
    /// enqueue or an iter. django-q's `pre_enqueue`.
    public func onPreEnqueue(_ receiver: @escaping @Sendable (Enqueue) -> Void) {
        receivers.withLock { $0.preEnqueue.append(receiver) }
    }

    /// Called before each attempt runs. django-q's `pre_execute`.
    public func onPreExecute(_ receiver: @escaping @Sendable (ClaimedTask) -> Void) {
        receivers.withLock { $0.preExecute.append(receiver) }
    }

    /// Called after each attempt, with its outcome. django-q's `post_execute`.
    public func onPostExecute(_ receiver: @escaping @Sendable (ClaimedTask, TaskOutcome) -> Void) {
        receivers.withLock { $0.postExecute.append(receiver) }
    }

    /// Called with each failed attempt and its error. django-q's `error_reporter`.
    public func onError(_ reporter: @escaping @Sendable (ClaimedTask, String) -> Void) {
        receivers.withLock { $0.errors.append(reporter) }
    }

    /// Whether anyone listens before enqueues (so that callers build the signal only then).
    public var observesEnqueues: Bool { receivers.withLock { !$0.preEnqueue.isEmpty } }

    public func willEnqueue(_ function: String, args: [JSONValue], kwargs: [String: JSONValue], group: String?) {
        let signal = Enqueue(function: function, args: args, kwargs: kwargs, group: group)
        for receiver in receivers.withLock({ $0.preEnqueue }) { receiver(signal) }
    }

    public func willExecute(_ task: ClaimedTask) {
        for receiver in receivers.withLock({ $0.preExecute }) { receiver(task) }
    }

    public func didExecute(_ task: ClaimedTask, _ outcome: TaskOutcome) {
        let (post, errors) = receivers.withLock { ($0.postExecute, $0.errors) }
        for receiver in post { receiver(task, outcome) }
        if case .failure(let message) = outcome { for reporter in errors { reporter(task, message) } }
    }
}
