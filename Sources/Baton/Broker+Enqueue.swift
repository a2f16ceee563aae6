import Foundation
import LibPQ

extension Broker {
    /// Enqueues one task; with `group`, it joins that group. django-q's `async_task`. An
    /// option left out (nil) takes the broker's default (`TaskDefaults`).
    ///
    /// - Parameters:
    ///   - transaction: the caller's open transaction: the task exists only if it commits.
    ///   - sync: run the task now, in this process, through `registry`, and record its
    ///     result as a worker would.
    ///   - maxAttempts: attempts before a failure is final; each retry waits `retryDelay`
    ///     doubled per attempt, with jitter.
    ///   - timeout: how long one attempt may run; nil: the cluster's default.
    ///   - taskName: a name to find it by (`result(name)`), django-q's `task_name`; the
    ///     function's name when nil.
    ///   - hook: the hook (`TaskRegistry.registerHook`) that the process that runs the task
    ///     calls with its record once the outcome is recorded, django-q's `hook`.
    ///   - save: false keeps a successful result out of `baton.results` (a failure is kept;
    ///     a cached result still goes to the cache), django-q's `save`.
    ///   - queue: the queue it goes to; a cluster runs it when it serves that queue.
    ///   - runAt, delay: when it may first run (one or the other; a delay counts from the
    ///     enqueue, by the database's clock); by default at once.
    ///   - unique: a key: while a task with it is queued, waiting or running (and, with
    ///     `uniqueFor`, for that long after it finished), nothing is enqueued and that task's id
    ///     is returned. Concurrent enqueues of one key make one task.
    /// - Returns: the task's id (the existing one's, for a unique key taken).
    /// - Throws: `BatonError.invalidArgument` for bad input (nothing is enqueued).
    @discardableResult
    public func asyncTask(
        _ function: String, args: [JSONValue] = [], kwargs: [String: JSONValue] = [:], group: String? = nil,
        cached: Caching? = nil, sync: Bool? = nil, priority: Int = 0, maxAttempts: Int? = nil,
        retryDelay: Duration? = nil, timeout: Duration? = nil, taskName: String? = nil, hook: String? = nil,
        save: Bool = true, queue: String = QueueName.default, runAt: Date? = nil, delay: Duration? = nil,
        unique: String? = nil, uniqueFor: Duration? = nil, in transaction: Transaction? = nil
    ) async throws -> UUID {
        let sync = sync ?? defaults.sync
        try checkUnique(unique, for: uniqueFor, sync: sync)
        let (cached, maxAttempts, retryDelay, timeout) =
            (cached ?? defaults.cached, maxAttempts ?? defaults.maxAttempts, retryDelay ?? defaults.retryDelay,
             timeout ?? defaults.timeout)
        try refuseSyncInTransaction(sync, transaction)
        if let taskName, taskName.isEmpty {
            throw BatonError(code: .invalidArgument, message: "a task name cannot be empty; leave it out to use the function's")
        }
        try checkHook(hook)
        try QueueName.check(queue)
        let start = try StartTime(runAt: runAt, delay: delay)
        guard !function.isEmpty else {
            throw BatonError(code: .invalidArgument, message: "the task has no function name; nothing was enqueued")
        }
        let argsText = try JSONValue.array(args).jsonText()
        let kwargsText = try JSONValue.object(kwargs).jsonText()
        try checkSize(argsText.utf8.count + kwargsText.utf8.count, of: "task \(function)'s arguments")
        let options: [any SQLEncodable] = [
            cached.interval, priority, maxAttempts, retryDelay.postgresInterval, timeout?.postgresInterval,
        ]
        signals.willEnqueue(function, args: args, kwargs: kwargs, group: group)
        let placed: [any SQLEncodable] = [queue] + start.parameters
        // A task of a group goes through baton.async_task, which joins (or creates) the group
        // in the same statement, and so does a unique one; any other is one INSERT, as
        // asyncTasks writes its rows. `trace`: the enqueue span's context, or nil.
        let call = { (trace: String?) -> (PreparedStatement, [any SQLEncodable]) in
            group != nil || unique != nil
                ? (EnqueueSQL.asyncTask,
                   [function, argsText, kwargsText, group] + options + [taskName, hook, save] + placed
                       + [unique, uniqueFor?.postgresInterval, trace])
                : (EnqueueSQL.insertTask,
                   [function, argsText, kwargsText] + options + [UUID.timeOrdered(count: 1)[0], taskName, hook, save]
                       + placed + [trace])
        }
        guard sync else {
            let id: UUID = try await traceEnqueue(of: function, queue: queue, group: group, taskID: { $0 }) { trace in
                let (statement, parameters) = call(trace)
                return try await invalidInputAsBatonError {
                    try await enqueue(statement, parameters, in: transaction)[0].decode("id")
                }
            }
            EnqueueMetrics.count(function)
            return id
        }
        let task = try await traceEnqueue(of: function, queue: queue, group: group, taskID: { $0.task.id }) { trace in
            let (statement, parameters) = call(trace)
            return try await invalidInputAsBatonError {
                try await enqueueInline(InlineSQL.holdTask) { tx in
                    try await self.enqueue(statement, parameters, in: tx)[0].decode("id", as: UUID.self)
                }
            }
        }
        EnqueueMetrics.count(function)
        try await runInline(task)
        return task.task.id
    }

    /// Enqueues a chain whole: its links run one after another. django-q's `async_chain`.
    ///
    /// - Parameters:
    ///   - group: the chain's group id; a new UUID when nil. It must not exist yet.
    ///   - policy: what a failing link does to the rest: `.stop` (default) or `.continue`.
    ///   - queue: the queue of every link whose options name none.
    ///   - runAt, delay: when the first link may run (one or the other); by default at once.
    ///   - unique: a key: while a chain with it has not finished whole (and, with `uniqueFor`,
    ///     for that long after), nothing is enqueued and that chain's group id is returned.
    ///   - transaction: the caller's open transaction: the chain exists only if it commits.
    /// - Returns: the chain's group id (the existing one's, for a unique key taken).
    @discardableResult
    public func asyncChain(
        _ links: [ChainLink], group: String? = nil, cached: Caching? = nil, sync: Bool? = nil,
        policy: ChainPolicy = .stop, maxAttempts: Int? = nil, retryDelay: Duration? = nil,
        timeout: Duration? = nil, hook: String? = nil, save: Bool = true, queue: String = QueueName.default,
        runAt: Date? = nil, delay: Duration? = nil, unique: String? = nil, uniqueFor: Duration? = nil,
        in transaction: Transaction? = nil
    ) async throws -> String {
        try await asyncChain(
            json: try JSONValue.array(links.map(\.json)).jsonText(), group: group, cached: cached, sync: sync,
            policy: policy, maxAttempts: maxAttempts, retryDelay: retryDelay, timeout: timeout, hook: hook, save: save,
            queue: queue, runAt: runAt, delay: delay, unique: unique, uniqueFor: uniqueFor, in: transaction)
    }

    /// Enqueues a chain given as JSON text in the seed's format, `[[func, [args], {kwargs}], ...]`
    /// (links as `{"func": ..., "args": ..., "kwargs": ...}` objects too), as `baton chain` does.
    /// A link's own options (`LinkOptions`: a fourth element, `"q_options"`, or a `q_options`
    /// member of its kwargs, as django-q reads it) win over the call's; `hook` and `save`
    /// apply to every link that does not say.
    /// - Throws: `BatonError.invalidArgument` naming what is malformed; nothing is enqueued.
    @discardableResult
    public func asyncChain(
        json chainText: String, group: String? = nil, cached: Caching? = nil, sync: Bool? = nil,
        policy: ChainPolicy = .stop, maxAttempts: Int? = nil, retryDelay: Duration? = nil,
        timeout: Duration? = nil, hook: String? = nil, save: Bool = true, queue: String = QueueName.default,
        runAt: Date? = nil, delay: Duration? = nil, unique: String? = nil, uniqueFor: Duration? = nil,
        in transaction: Transaction? = nil
    ) async throws -> String {
        let sync = sync ?? defaults.sync
        try checkUnique(unique, for: uniqueFor, sync: sync)
        let (cached, maxAttempts, retryDelay, timeout) =
            (cached ?? defaults.cached, maxAttempts ?? defaults.maxAttempts, retryDelay ?? defaults.retryDelay,
             timeout ?? defaults.timeout)
        try refuseSyncInTransaction(sync, transaction)
        try checkHook(hook)
        try QueueName.check(queue)
        let start = try StartTime(runAt: runAt, delay: delay)
        try checkSize(chainText.utf8.count, of: "the chain")
        guard let parsed = try? JSONValue.parse(chainText) else {
            throw BatonError(code: .invalidArgument, message: "the chain is not valid JSON: \(chainText.prefix(200))")
        }
        if signals.observesEnqueues, case .array(let links) = parsed {
            for link in links { signalEnqueue(of: link, group: group) }
        }
        let functions = if case .array(let links) = parsed { links.compactMap { Self.parts(of: $0).function } } else { [String]() }
        let parameters = { (trace: String?) -> [any SQLEncodable] in
            [
                chainText, group, cached.interval, policy.rawValue, maxAttempts, retryDelay.postgresInterval,
                timeout?.postgresInterval, hook, save, queue,
            ] + start.parameters + [unique, uniqueFor?.postgresInterval, trace]
        }
        // The chain's span is named by its first link's function.
        let head = functions.first ?? "chain"
        guard sync else {
            let group: String = try await traceEnqueue(of: head, queue: queue, count: functions.count, group: group) {
                trace in
                try await invalidInputAsBatonError {
                    try await enqueue(EnqueueSQL.asyncChain, parameters(trace), in: transaction)[0].decode("group_id")
                }
            }
            EnqueueMetrics.count(functions: functions)
            return group
        }
        let first = try await traceEnqueue(of: head, queue: queue, count: functions.count, group: group) { trace in
            let parameters = parameters(trace)
            return try await invalidInputAsBatonError {
                try await enqueueInline(InlineSQL.holdFirstLink) { tx in
                    try await self.enqueue(EnqueueSQL.asyncChain, parameters, in: tx)[0].decode("group_id", as: String.self)
                }
            }
        }
        EnqueueMetrics.count(functions: functions)
        try await runInline(first)
        return first.task.groupID!
    }

    /// `preEnqueue` for one link of the chain's JSON forms, `[func, [args], {kwargs}]` or an object.
    private func signalEnqueue(of link: JSONValue, group: String?) {
        let (function, args, kwargs) = Self.parts(of: link)
        if let function { signals.willEnqueue(function, args: args, kwargs: kwargs, group: group) }
    }

    /// A link's function, args and kwargs, from either of the chain's JSON forms.
    private static func parts(of link: JSONValue) -> (function: String?, args: [JSONValue], kwargs: [String: JSONValue]) {
        var (function, args, kwargs): (String?, [JSONValue], [String: JSONValue]) = (nil, [], [:])
        switch link {
        case .array(let parts):
            if case .string(let name)? = parts.first { function = name }
            if parts.count > 1, case .array(let values) = parts[1] { args = values }
            if parts.count > 2, case .object(let values) = parts[2] { kwargs = values }
        case .object(let fields):
            if case .string(let name)? = fields["func"] { function = name }
            if case .array(let values)? = fields["args"] { args = values }
            if case .object(let values)? = fields["kwargs"] { kwargs = values }
        default: break
        }
        return (function, args, kwargs)
    }

    func checkSize(_ bytes: Int, of what: String) throws {
        guard bytes <= maxArgumentBytes else {
            throw BatonError(
                code: .invalidArgument,
                message: "\(what) take \(bytes) bytes of JSON, over this broker's maximum of \(maxArgumentBytes) "
                    + "(maxArgumentBytes); store large data elsewhere and pass a reference")
        }
    }

    /// A unique key is 1 to 500 characters, `uniqueFor` positive and given with one; a task
    /// run in its caller (`sync`) is not enqueued, so it has none.
    func checkUnique(_ key: String?, for period: Duration?, sync: Bool) throws {
        if let key, key.isEmpty || key.count > 500 {
            throw BatonError(code: .invalidArgument, message: "a unique key is 1 to 500 characters; nothing was enqueued")
        }
        if let period, key == nil || period <= .zero {
            throw BatonError(code: .invalidArgument, message: "uniqueFor is a positive duration given with a unique key")
        }
        if key != nil, sync {
            throw BatonError(
                code: .invalidArgument,
                message: "sync: true runs the task in its caller, where a unique key has nothing to keep out")
        }
    }

    func checkHook(_ hook: String?) throws {
        guard hook?.isEmpty == true else { return }
        throw BatonError(code: .invalidArgument, message: "a hook's name cannot be empty; leave hook out for none")
    }

    private func refuseSyncInTransaction(_ sync: Bool, _ transaction: Transaction?) throws {
        guard sync, transaction != nil else { return }
        throw BatonError(
            code: .invalidArgument,
            message: "sync: true runs the task at once, which cannot happen inside your open transaction; "
                + "enqueue in the transaction without sync, or run it synchronously after committing")
    }

    /// Turns the SQL functions' input errors into `BatonError.invalidArgument`.
    func invalidInputAsBatonError<R>(_ body: () async throws -> R) async throws -> R {
        do {
            return try await body()
        } catch let error as PostgresError where [.batonInvalidInput, .batonGroupTaken].contains(error.code) {
            throw BatonError(code: .invalidArgument, message: error.message, underlying: error)
        } catch let error as PostgresError where error.code == .checkViolation {
            throw BatonError(
                code: .invalidArgument,
                message: "a task option is out of range (maxAttempts at least 1, delays and timeouts positive): "
                    + error.message,
                underlying: error)
        } catch let error as PostgresError where error.code == .numericValueOutOfRange {
            throw BatonError(
                code: .invalidArgument,
                message: "a task option is out of range (priority from -32768 to 32767): " + error.message,
                underlying: error)
        }
    }

}
