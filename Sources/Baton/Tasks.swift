import Foundation
import LibPQ

// django-q's module-level calls, on the shared broker unless `broker:` names another.

/// Enqueues one task; returns its id. django-q's `async_task`.
@discardableResult
public func asyncTask(
    _ function: String, _ args: JSONValue..., kwargs: [String: JSONValue] = [:], group: String? = nil,
    cached: Caching? = nil, sync: Bool? = nil, broker: Broker? = nil, priority: Int = 0, maxAttempts: Int? = nil,
    retryDelay: Duration? = nil, timeout: Duration? = nil, taskName: String? = nil, hook: String? = nil,
    save: Bool = true, queue: String = QueueName.default, runAt: Date? = nil, delay: Duration? = nil,
    in transaction: Transaction? = nil
) async throws -> UUID {
    try await resolve(broker).asyncTask(
        function, args: args, kwargs: kwargs, group: group, cached: cached, sync: sync, priority: priority,
        maxAttempts: maxAttempts, retryDelay: retryDelay, timeout: timeout, taskName: taskName, hook: hook, save: save,
        queue: queue, runAt: runAt, delay: delay, in: transaction)
}

/// Enqueues a chain of `(function, args)` pairs; returns its group id. django-q's `async_chain`.
@discardableResult
public func asyncChain(
    _ chain: [(String, [JSONValue])], group: String? = nil, cached: Caching? = nil, sync: Bool? = nil,
    broker: Broker? = nil, policy: ChainPolicy = .stop, maxAttempts: Int? = nil, retryDelay: Duration? = nil,
    timeout: Duration? = nil, hook: String? = nil, save: Bool = true, queue: String = QueueName.default,
    runAt: Date? = nil, delay: Duration? = nil, in transaction: Transaction? = nil
) async throws -> String {
    try await asyncChain(
        chain.map { ChainLink($0.0, args: $0.1) }, group: group, cached: cached, sync: sync, broker: broker,
        policy: policy, maxAttempts: maxAttempts, retryDelay: retryDelay, timeout: timeout, hook: hook, save: save,
        queue: queue, runAt: runAt, delay: delay, in: transaction)
}

/// Enqueues a chain of `(function, args, kwargs)` triples; returns its group id.
@discardableResult
public func asyncChain(
    _ chain: [(String, [JSONValue], [String: JSONValue])], group: String? = nil, cached: Caching? = nil,
    sync: Bool? = nil, broker: Broker? = nil, policy: ChainPolicy = .stop, maxAttempts: Int? = nil,
    retryDelay: Duration? = nil, timeout: Duration? = nil, hook: String? = nil, save: Bool = true,
    queue: String = QueueName.default, runAt: Date? = nil, delay: Duration? = nil, in transaction: Transaction? = nil
) async throws -> String {
    try await asyncChain(
        chain.map { ChainLink($0.0, args: $0.1, kwargs: $0.2) }, group: group, cached: cached, sync: sync,
        broker: broker, policy: policy, maxAttempts: maxAttempts, retryDelay: retryDelay, timeout: timeout, hook: hook,
        save: save, queue: queue, runAt: runAt, delay: delay, in: transaction)
}

/// Enqueues a chain of links; returns its group id. Each link gets `maxAttempts`, `retryDelay`, `timeout`.
@discardableResult
public func asyncChain(
    _ chain: [ChainLink], group: String? = nil, cached: Caching? = nil, sync: Bool? = nil,
    broker: Broker? = nil, policy: ChainPolicy = .stop, maxAttempts: Int? = nil, retryDelay: Duration? = nil,
    timeout: Duration? = nil, hook: String? = nil, save: Bool = true, queue: String = QueueName.default,
    runAt: Date? = nil, delay: Duration? = nil, in transaction: Transaction? = nil
) async throws -> String {
    try await resolve(broker).asyncChain(
        chain, group: group, cached: cached, sync: sync, policy: policy, maxAttempts: maxAttempts,
        retryDelay: retryDelay, timeout: timeout, hook: hook, save: save, queue: queue, runAt: runAt, delay: delay,
        in: transaction)
}

/// A task's result; nil while unfinished. django-q's `result`.
public func result(_ taskID: UUID, wait: Wait = .none, cached: Bool = false, broker: Broker? = nil) async throws -> JSONValue? {
    try await resolve(broker).result(taskID, wait: wait, cached: cached)
}

/// A task's record; nil while unfinished. django-q's `fetch`.
public func fetch(_ taskID: UUID, wait: Wait = .none, cached: Bool = false, broker: Broker? = nil) async throws -> TaskRecord? {
    try await resolve(broker).fetch(taskID, wait: wait, cached: cached)
}

/// The result of the task with this id or name (the latest of that name); nil while
/// unfinished. django-q's `result` with a name.
public func result(_ idOrName: String, wait: Wait = .none, broker: Broker? = nil) async throws -> JSONValue? {
    try await resolve(broker).result(idOrName, wait: wait)
}

/// The record of the task with this id or name. django-q's `fetch` with a name.
public func fetch(_ idOrName: String, wait: Wait = .none, broker: Broker? = nil) async throws -> TaskRecord? {
    try await resolve(broker).fetch(idOrName, wait: wait)
}

/// A group's results. django-q's `result_group`: with `count`, blocks until the group has
/// that many (for at most `wait` when given); see `Broker.resultGroup`.
public func resultGroup(
    _ groupID: String, failures: Bool = false, wait: Wait = .none, count: Int? = nil, cached: Bool = false,
    broker: Broker? = nil
) async throws -> [JSONValue]? {
    try await resolve(broker).resultGroup(groupID, failures: failures, wait: wait, count: count, cached: cached)
}

/// A group's records. django-q's `fetch_group`, waiting as `resultGroup` does.
public func fetchGroup(
    _ groupID: String, failures: Bool = true, wait: Wait = .none, count: Int? = nil, cached: Bool = false,
    broker: Broker? = nil
) async throws -> [TaskRecord]? {
    try await resolve(broker).fetchGroup(groupID, failures: failures, wait: wait, count: count, cached: cached)
}

/// How many results a group has (with `failures`, failed ones). django-q's `count_group`.
public func countGroup(
    _ groupID: String, failures: Bool = false, cached: Bool = false, broker: Broker? = nil
) async throws -> Int {
    try await resolve(broker).countGroup(groupID, failures: failures, cached: cached)
}

/// Deletes a group (with `tasks`, its results too). django-q's `delete_group`.
@discardableResult
public func deleteGroup(_ groupID: String, tasks: Bool = false, broker: Broker? = nil) async throws -> Int {
    try await resolve(broker).deleteGroup(groupID, tasks: tasks)
}

/// How many tasks are queued. django-q's `queue_size`.
public func queueSize(broker: Broker? = nil) async throws -> Int {
    try await resolve(broker).queueSize()
}

/// Enqueues `function` once per argument list; returns the iter's id. django-q's `async_iter`.
@discardableResult
public func asyncIter(
    _ function: String, _ argumentLists: [[JSONValue]], cached: Caching? = nil, broker: Broker? = nil,
    maxAttempts: Int? = nil, retryDelay: Duration? = nil, timeout: Duration? = nil, hook: String? = nil,
    save: Bool = true, queue: String = QueueName.default, runAt: Date? = nil, delay: Duration? = nil,
    in transaction: Transaction? = nil
) async throws -> String {
    try await resolve(broker).asyncIter(
        function, argumentLists, cached: cached, maxAttempts: maxAttempts, retryDelay: retryDelay, timeout: timeout,
        hook: hook, save: save, queue: queue, runAt: runAt, delay: delay, in: transaction)
}

/// Deletes a task's cached result. django-q's `delete_cached`.
@discardableResult
public func deleteCached(_ taskID: UUID, broker: Broker? = nil) async throws -> Bool {
    try await resolve(broker).deleteCached(taskID)
}

/// Deletes a group's cached results. django-q's `delete_group_cached`.
@discardableResult
public func deleteGroupCached(_ groupID: String, broker: Broker? = nil) async throws -> Int {
    try await resolve(broker).deleteGroupCached(groupID)
}

/// Creates or replaces the schedule `name` of `function`; returns it as stored. django-q's `schedule()`.
@discardableResult
public func schedule(
    _ function: String, _ args: JSONValue..., kwargs: [String: JSONValue] = [:], name: String,
    type: ScheduleType = .once, timeZone: String = "UTC", repeats: Int = -1, nextRun: Date? = nil,
    catchUp: Bool = true, options: LinkOptions = LinkOptions(), broker: Broker? = nil, in transaction: Transaction? = nil
) async throws -> ScheduleStatus {
    try await resolve(broker).schedule(
        function, args: args, kwargs: kwargs, name: name, type: type, timeZone: timeZone, repeats: repeats,
        nextRun: nextRun, catchUp: catchUp, options: options, in: transaction)
}
