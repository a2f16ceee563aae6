import Foundation
import LibPQ

/// A function call to enqueue: a function name with its arguments (what a chain link is too).
public typealias TaskCall = ChainLink

extension Broker {
    /// Enqueues many tasks at once, in one transaction written with COPY: the fastest way to
    /// fill the queue. The options apply to every task; with `group`, all join that group.
    ///
    /// - Parameters:
    ///   - tasks: the calls, enqueued in this order (each with priority `priority`).
    ///   - transaction: the caller's open transaction: the tasks exist only if it commits.
    /// - Returns: the tasks' ids, in the order given.
    /// - Throws: `BatonError.invalidArgument` for a call with no function name or arguments
    ///   over `maxArgumentBytes`, or a group that is a chain, naming it. Nothing is enqueued then.
    @discardableResult
    public func asyncTasks(
        _ tasks: [TaskCall], group: String? = nil, cached: Caching? = nil, priority: Int = 0, maxAttempts: Int? = nil,
        retryDelay: Duration? = nil, timeout: Duration? = nil, in transaction: Transaction? = nil
    ) async throws -> [UUID] {
        guard !tasks.isEmpty else { return [] }
        let (cached, maxAttempts, retryDelay, timeout) =
            (cached ?? defaults.cached, maxAttempts ?? defaults.maxAttempts, retryDelay ?? defaults.retryDelay,
             timeout ?? defaults.timeout)

        guard maxAttempts >= 1, retryDelay >= .zero, (timeout ?? .seconds(1)) > .zero else {
            throw BatonError(
                code: .invalidArgument,
                message: "maxAttempts must be at least 1, retryDelay not negative and timeout positive "
                    + "(given \(maxAttempts), \(retryDelay), \(timeout.map { "\($0)" } ?? "none"))")
        }
        if signals.observesEnqueues {
            for task in tasks { signals.willEnqueue(task.function, args: task.args, kwargs: task.kwargs, group: group) }
        }
        let ids = UUID.timeOrdered(count: tasks.count)
        var rows = CopyRows()
        var (functions, argsTexts, kwargsTexts): ([String], [String], [String]) = ([], [], [])
        let shared: [String?] = [
            group, String(priority), String(maxAttempts), retryDelay.postgresInterval, timeout?.postgresInterval,
            cached.interval,
        ]
        for (index, (task, id)) in zip(tasks, ids).enumerated() {
            guard !task.function.isEmpty else {
                throw BatonError(code: .invalidArgument, message: "task \(index) has no function name; nothing was enqueued")
            }
            let args = try JSONValue.array(task.args).jsonText()
            let kwargs = try JSONValue.object(task.kwargs).jsonText()
            try checkSize(args.utf8.count + kwargs.utf8.count, of: "task \(index) (\(task.function))'s arguments")
            rows.append([id.lowercasedText, task.function, task.function, args, kwargs] + shared)
            functions.append(task.function)
            argsTexts.append(args)
            kwargsTexts.append(kwargs)
        }
        let copied = rows
        let copies = try await mayCopy(transaction)
        let inserted: [any SQLEncodable] = [ids, functions, argsTexts, kwargsTexts] + shared
        try await enqueueInTransaction(transaction) { tx in
            if let group { _ = try await tx.query(BulkSQL.joinGroup, [group]) }
            if copies {
                try await tx.copy(BulkSQL.copyTasks, copied)
            } else {
                _ = try await tx.query(BulkSQL.insertTasks, inserted)
            }
        }
        return ids
    }

    /// Whether this broker's role may COPY into the queue: PostgreSQL refuses COPY to a role
    /// bound by a row policy (`baton_enqueue`), which then writes the same rows with one INSERT.
    private func mayCopy(_ transaction: Transaction?) async throws -> Bool {
        if let known = copyAllowed.withLock({ $0 }) { return known }
        let query = BulkSQL.mayCopy
        let allowed: Bool = if let transaction {
            try await transaction.query(query)[0].decode(0)
        } else {
            try await pool.withConnection { try await $0.query(query)[0].decode(0) }
        }
        copyAllowed.withLock { $0 = allowed }
        return allowed
    }

    /// Runs `body` in the caller's transaction (and NOTIFYs in it), or in one of its own,
    /// waking the workers after it commits.
    private func enqueueInTransaction(
        _ transaction: Transaction?, _ body: @escaping @Sendable (Transaction) async throws -> Void
    ) async throws {
        try await invalidInputAsBatonError {
            if let transaction {
                try await body(transaction)
                try await transaction.notify(BatonEvent.channel, payload: "queued")
                return
            }
            try await pool.transaction { tx in try await body(tx) }
            wakeups.request()
        }
    }
}

enum BulkSQL {
    /// Joins (or creates) a group of tasks; raises for a chain (groups primary key).
    static let joinGroup = "SELECT baton.join_group($1, 'asyncTasks')"
    /// Whether no row policy binds this role on the queue (the owner's is not).
    static let mayCopy = "SELECT NOT row_security_active('baton.tasks')"
    /// The rows COPY would write, as one INSERT that row policies check (tasks primary key).
    static let insertTasks = """
        INSERT INTO baton.tasks (id, name, func, args, kwargs, group_id, priority, max_attempts, retry_delay, timeout, cache_ttl)
        SELECT t.id, t.func, t.func, t.args::jsonb, t.kwargs::jsonb, $5, $6::smallint, $7::integer, $8::interval,
               $9::interval, $10::interval
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS t (id, func, args, kwargs)
        """
    /// Writes tasks straight into the queue (their checks still apply).
    static let copyTasks = """
        COPY baton.tasks (id, name, func, args, kwargs, group_id, priority, max_attempts, retry_delay, timeout, cache_ttl)
        FROM STDIN
        """
}
