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
        _ tasks: [TaskCall], group: String? = nil, cached: Caching = false, priority: Int = 0, maxAttempts: Int = 1,
        retryDelay: Duration = .seconds(1), timeout: Duration? = nil, in transaction: Transaction? = nil
    ) async throws -> [UUID] {
        guard !tasks.isEmpty else { return [] }
        guard maxAttempts >= 1, retryDelay >= .zero, (timeout ?? .seconds(1)) > .zero else {
            throw BatonError(
                code: .invalidArgument,
                message: "maxAttempts must be at least 1, retryDelay not negative and timeout positive "
                    + "(given \(maxAttempts), \(retryDelay), \(timeout.map { "\($0)" } ?? "none"))")
        }
        let ids = UUID.timeOrdered(count: tasks.count)
        var rows = CopyRows()
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
        }
        let copied = rows
        try await enqueueInTransaction(transaction) { tx in
            if let group { _ = try await tx.query(BulkSQL.joinGroup, [group]) }
            try await tx.copy(BulkSQL.copyTasks, copied)
        }
        return ids
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
    /// Writes tasks straight into the queue (their checks still apply).
    static let copyTasks = """
        COPY baton.tasks (id, name, func, args, kwargs, group_id, priority, max_attempts, retry_delay, timeout, cache_ttl)
        FROM STDIN
        """
}
