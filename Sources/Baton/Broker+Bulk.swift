import Foundation
import LibPQ

/// A function call to enqueue: a function name with its arguments (what a chain link is too).
public typealias TaskCall = ChainLink

extension Broker {
    /// Enqueues many tasks at once, in one transaction written with COPY: the fastest way to
    /// fill the queue. The options apply to every task that does not give its own
    /// (`TaskCall.options`); with `group`, all join that group.
    ///
    /// - Parameters:
    ///   - tasks: the calls, enqueued in this order (each with priority `priority`).
    ///   - queue: the queue of every task whose options name none.
    ///   - runAt, delay: when they may first run (one or the other), by default at once.
    ///   - transaction: the caller's open transaction: the tasks exist only if it commits.
    /// - Returns: the tasks' ids, in the order given.
    /// - Throws: `BatonError.invalidArgument` for a call with no function name or arguments
    ///   over `maxArgumentBytes`, or a group that is a chain, naming it. Nothing is enqueued then.
    @discardableResult
    public func asyncTasks(
        _ tasks: [TaskCall], group: String? = nil, cached: Caching? = nil, priority: Int = 0, maxAttempts: Int? = nil,
        retryDelay: Duration? = nil, timeout: Duration? = nil, hook: String? = nil, save: Bool = true,
        queue: String = QueueName.default, runAt: Date? = nil, delay: Duration? = nil, in transaction: Transaction? = nil
    ) async throws -> [UUID] {
        guard !tasks.isEmpty else { return [] }
        let start = try StartTime(runAt: runAt, delay: delay)
        let call = LinkOptions(
            timeout: timeout ?? defaults.timeout, maxAttempts: maxAttempts ?? defaults.maxAttempts,
            retryDelay: retryDelay ?? defaults.retryDelay, priority: priority, hook: hook, save: save, queue: queue)
        let cached = cached ?? defaults.cached
        if signals.observesEnqueues {
            for task in tasks { signals.willEnqueue(task.function, args: task.args, kwargs: task.kwargs, group: group) }
        }
        let ids = UUID.timeOrdered(count: tasks.count)
        let copies = try await mayCopy(transaction)
        var rows: [BulkRow] = []
        rows.reserveCapacity(tasks.count)
        for (index, (task, id)) in zip(tasks, ids).enumerated() {
            guard !task.function.isEmpty else {
                throw BatonError(code: .invalidArgument, message: "task \(index) has no function name; nothing was enqueued")
            }
            let row = try BulkRow(task, id: id, options: task.options.over(call), label: "task \(index)")
            try checkSize(row.args.utf8.count + row.kwargs.utf8.count, of: "task \(index) (\(task.function))'s arguments")
            rows.append(row)
        }
        let written = rows
        let cachedInterval = cached.interval
        try await traceEnqueue(of: tasks[0].function, queue: queue, count: tasks.count, group: group) { trace in
            try await enqueueInTransaction(transaction) { tx in
                if let group { _ = try await tx.query(BulkSQL.joinGroup, [group]) }
                // The database's clock, read in the transaction (the column's default when no time is given).
                let runAt: String = try await tx.query(BulkSQL.startTime, start.parameters)[0].decode(0)
                if copies {
                    // COPY's rows, or the JSON of the INSERT that stands in for it.
                    var copied = CopyRows()
                    for row in written {
                        copied.append(row.copyFields(group: group, cached: cachedInterval, runAt: runAt, trace: trace))
                    }
                    try await tx.copy(BulkSQL.copyTasks, copied)
                } else {
                    var columns = BulkColumns()
                    for row in written { try columns.append(row) }
                    _ = try await tx.query(BulkSQL.insertTasks, [columns.text, group, cachedInterval, runAt, trace])
                }
            }
        }
        EnqueueMetrics.count(functions: tasks.lazy.map(\.function))
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

    /// Runs `body` in the caller's transaction, asking for the wake-up at its commit (the
    /// trigger tasks_wake notifies only while a cluster waits: 0017), or in one of its own,
    /// waking the workers after it commits.
    private func enqueueInTransaction(
        _ transaction: Transaction?, _ body: @escaping @Sendable (Transaction) async throws -> Void
    ) async throws {
        try await invalidInputAsBatonError {
            if let transaction {
                // Set before the rows go in: the trigger reads it as each is inserted.
                _ = try await transaction.query(BulkSQL.wakeAtCommit)
                try await body(transaction)
                return
            }
            try await pool.transaction { tx in try await body(tx) }
            wakeups.request()
        }
    }
}
