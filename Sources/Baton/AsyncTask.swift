import Foundation
import Synchronization

/// One task built, then run: django-q's `AsyncTask` (and `Async`), a wrapper of `asyncTask`.
///
/// ```swift
/// let task = AsyncTask("math.floor", 2.5, taskName: "floor")
/// try await task.run()
/// print(try await task.result(wait: .seconds(5)) ?? "not yet")   // 2
/// ```
public final class AsyncTask: Sendable {
    public let function: String
    public let args: [JSONValue]
    public let kwargs: [String: JSONValue]
    public let group: String?
    public let cached: Caching?
    public let sync: Bool?
    public let maxAttempts: Int?
    public let retryDelay: Duration?
    public let timeout: Duration?
    public let taskName: String?
    /// The hook called with its record once it has finished, and whether a success is kept.
    public let hook: String?
    public let save: Bool
    public let broker: Broker?
    private let enqueued = Mutex<UUID?>(nil)

    public init(
        _ function: String, _ args: JSONValue..., kwargs: [String: JSONValue] = [:], group: String? = nil,
        cached: Caching? = nil, sync: Bool? = nil, maxAttempts: Int? = nil, retryDelay: Duration? = nil,
        timeout: Duration? = nil, taskName: String? = nil, hook: String? = nil, save: Bool = true, broker: Broker? = nil
    ) {
        (self.function, self.args, self.kwargs, self.group, self.cached, self.sync) = (function, args, kwargs, group, cached, sync)
        (self.maxAttempts, self.retryDelay, self.timeout, self.taskName, self.broker) =
            (maxAttempts, retryDelay, timeout, taskName, broker)
        (self.hook, self.save) = (hook, save)
    }

    /// The task's id once it has run; nil before.
    public var id: UUID? { enqueued.withLock { $0 } }

    /// Whether `run()` has enqueued it.
    public var started: Bool { id != nil }

    /// Enqueues the task (in the caller's transaction when given); with `sync`, runs it first.
    /// - Returns: its id.
    @discardableResult
    public func run(in transaction: Transaction? = nil) async throws -> UUID {
        let id = try await resolve(broker).asyncTask(
            function, args: args, kwargs: kwargs, group: group, cached: cached, sync: sync, maxAttempts: maxAttempts,
            retryDelay: retryDelay, timeout: timeout, taskName: taskName, hook: hook, save: save, in: transaction)
        enqueued.withLock { $0 = id }
        return id
    }

    /// Its result (or a failure's error text), waiting up to `wait`; nil before `run()` or
    /// while unfinished, as in django-q.
    public func result(wait: Wait = .none) async throws -> JSONValue? {
        try await fetch(wait: wait)?.value
    }

    /// Its record, waiting up to `wait`; nil before `run()` or while unfinished.
    public func fetch(wait: Wait = .none) async throws -> TaskRecord? {
        guard let id else { return nil }
        return try await resolve(broker).fetch(id, wait: wait)
    }

    /// Whether it succeeded; nil before `run()` or while unfinished.
    public var success: Bool? {
        get async throws { try await fetch()?.success }
    }

    /// Its group's results, as `resultGroup`; nil without a group or before `run()`.
    public func resultGroup(failures: Bool = false, wait: Wait = .none, count: Int? = nil) async throws -> [JSONValue]? {
        guard let group, started else { return nil }
        return try await resolve(broker).resultGroup(group, failures: failures, wait: wait, count: count)
    }

    /// Its group's records, as `fetchGroup`; nil without a group or before `run()`.
    public func fetchGroup(failures: Bool = true, wait: Wait = .none, count: Int? = nil) async throws -> [TaskRecord]? {
        guard let group, started else { return nil }
        return try await resolve(broker).fetchGroup(group, failures: failures, wait: wait, count: count)
    }
}
