import Foundation
import LibPQ
import Synchronization

extension Broker {
    /// Enqueues `function` once per argument list, one task each, in one statement: django-q's
    /// `async_iter`. The tasks run side by side; `result(id)` (or `resultIter`) gives their
    /// results in the order given, once every one has finished. With `unique`, no second iter
    /// with that key is enqueued until the first has finished whole (and, with `uniqueFor`,
    /// for that long after): the existing iter's id is returned.
    /// - Returns: the iter's id.
    @discardableResult
    public func asyncIter(
        _ function: String, _ argumentLists: [[JSONValue]], cached: Caching? = nil, priority: Int = 0,
        maxAttempts: Int? = nil, retryDelay: Duration? = nil, timeout: Duration? = nil, hook: String? = nil,
        save: Bool = true, queue: String = QueueName.default, runAt: Date? = nil, delay: Duration? = nil,
        unique: String? = nil, uniqueFor: Duration? = nil, in transaction: Transaction? = nil
    ) async throws -> String {
        try checkHook(hook)
        try checkUnique(unique, for: uniqueFor, sync: false)
        try QueueName.check(queue)
        let start = try StartTime(runAt: runAt, delay: delay)
        let (cached, maxAttempts, retryDelay, timeout) =
            (cached ?? defaults.cached, maxAttempts ?? defaults.maxAttempts, retryDelay ?? defaults.retryDelay,
             timeout ?? defaults.timeout)
        let listText = try JSONValue.array(argumentLists.map(JSONValue.array)).jsonText()
        for args in argumentLists where signals.observesEnqueues {
            signals.willEnqueue(function, args: args, kwargs: [:], group: nil)
        }
        try checkSize(listText.utf8.count, of: "the iter's arguments")
        let id: String = try await traceEnqueue(of: function, queue: queue, count: argumentLists.count) { trace in
            try await invalidInputAsBatonError {
                try await enqueue(IterSQL.asyncIter, [
                    function, listText, cached.interval, priority, maxAttempts, retryDelay.postgresInterval,
                    timeout?.postgresInterval, hook, save, queue,
                ] + start.parameters + [unique, uniqueFor?.postgresInterval, trace], in: transaction)[0].decode("id")
            }
        }
        EnqueueMetrics.count(function, argumentLists.count)
        return id
    }

    /// An iter's results in the order its argument lists were given (a failure's error text
    /// in its place), once all have finished, waiting up to `wait`; nil before, or when `id`
    /// is no iter. django-q's `result` of an `async_iter` id.
    public func resultIter(_ id: String, wait: Wait = .none) async throws -> [JSONValue]? {
        try await fetchIter(id, wait: wait)?.map(\.value)
    }

    /// An iter's task records in order, once all have finished; nil before.
    public func fetchIter(_ id: String, wait: Wait = .none) async throws -> [TaskRecord]? {
        guard let length = try await query(IterSQL.length, id).first?.decode("length", as: Int.self) else { return nil }
        if wait.isNone, try await countGroup(id) < length { return nil }
        guard let records = try await fetchGroup(id, failures: true, wait: wait, count: length),
              records.count >= length else { return nil }
        return records
    }
}

/// An iter built argument list by argument list, then run. django-q's `Iter`.
public final class Iter: Sendable {
    public let function: String
    public let cached: Caching?
    /// The queue its tasks go to.
    public let queue: String
    public let broker: Broker?
    private let state: Mutex<(lists: [[JSONValue]], id: String?)>

    public init(
        _ function: String, args: [[JSONValue]] = [], cached: Caching? = nil, queue: String = QueueName.default,
        broker: Broker? = nil
    ) {
        (self.function, self.cached, self.queue, self.broker) = (function, cached, queue, broker)
        state = Mutex((args, nil))
    }

    /// Adds one task's arguments; returns how many there are.
    @discardableResult
    public func append(_ args: JSONValue...) -> Int {
        state.withLock { state in
            state.lists.append(args)
            return state.lists.count
        }
    }

    /// The iter's id once it has run.
    public var id: String? { state.withLock { $0.id } }
    public var started: Bool { id != nil }
    public func length() -> Int { state.withLock { $0.lists.count } }

    /// Enqueues the tasks; returns the iter's id.
    @discardableResult
    public func run(in transaction: Transaction? = nil) async throws -> String {
        let lists = state.withLock { $0.lists }
        let id = try await resolve(broker).asyncIter(function, lists, cached: cached, queue: queue, in: transaction)
        state.withLock { $0.id = id }
        return id
    }

    /// The results in order once all have finished, waiting up to `wait`; nil before `run()`.
    public func result(wait: Wait = .none) async throws -> [JSONValue]? {
        guard let id else { return nil }
        return try await resolve(broker).resultIter(id, wait: wait)
    }

    /// The task records in order once all have finished; nil before `run()`.
    public func fetch(wait: Wait = .none) async throws -> [TaskRecord]? {
        guard let id else { return nil }
        return try await resolve(broker).fetchIter(id, wait: wait)
    }
}
