import Foundation
import LibPQ

/// Reading results, waiting for them with LISTEN/NOTIFY rather than polling.
extension Broker {
    /// A task's result (or the error text of a failure); nil while it has not finished.
    /// With `cached`, only the cache is read, as django-q's `result_cached`.
    public func result(_ taskID: UUID, wait: Wait = .none, cached: Bool = false) async throws -> JSONValue? {
        try await fetch(taskID, wait: wait, cached: cached)?.value
    }

    /// A task's record; nil while it has not finished. With `cached`, from the cache only.
    ///
    /// A wait ends early, with nil, when the task was seen in the queue and then left it
    /// with no record: it succeeded with `save: false`, or was deleted with its group.
    public func fetch(_ taskID: UUID, wait: Wait = .none, cached: Bool = false) async throws -> TaskRecord? {
        let record = { try await self.query(ResultSQL.task, taskID, cached).first.map(TaskRecord.init(row:)) }
        guard !wait.isNone else { return try await record() }
        var seen = false
        let found = try await waitFor(ids: [taskID.lowercasedText], wait: wait) { () async throws -> TaskRecord?? in
            if let found = try await record() { return found }
            let queued = try await !query(ResultSQL.queued, taskID).isEmpty
            defer { seen = seen || queued }
            // Gone since the last look: recorded in between, or finished with no record.
            return seen && !queued ? .some(try await record()) : nil
        }
        return found ?? nil
    }

    /// The result of the task with this id, or else this name (given with `taskName:`; the
    /// latest task of that name). django-q's `result`, which takes either.
    /// The id of an `asyncIter` gives the list of its results, as in django-q.
    public func result(_ idOrName: String, wait: Wait = .none) async throws -> JSONValue? {
        if UUID(uuidString: idOrName) != nil, try await !query(IterSQL.length, idOrName).isEmpty {
            return try await resultIter(idOrName, wait: wait).map(JSONValue.array)
        }
        return try await fetch(idOrName, wait: wait)?.value
    }

    /// The record of the task with this id, or else this name (the latest of that name).
    public func fetch(_ idOrName: String, wait: Wait = .none) async throws -> TaskRecord? {
        if let id = UUID(uuidString: idOrName) { return try await fetch(id, wait: wait) }
        let byName = { try await self.query(ResultSQL.named, idOrName).first.map(TaskRecord.init(row:)) }
        if let record = try await byName() { return record }
        guard !wait.isNone else { return nil }
        // Still queued: wait on its id, which its notification names; not enqueued yet: look again.
        if let queued = try await query(ResultSQL.queuedNamed, idOrName).first?.decode("id", as: UUID.self) {
            return try await fetch(queued, wait: wait)
        }
        return try await waitFor(ids: [], wait: wait, byName)
    }

    /// The results of a group, chains in chain order. django-q's `result_group`.
    ///
    /// As django-q waits: with `count`, until the group has that many results (failures
    /// included), for at most `wait` when one is given (`.none`, the default, waits as long as
    /// it takes); without `count`, it returns what there is, waiting up to `wait` for a first
    /// result. When the wait runs out, the results found so far are returned.
    /// - Parameters:
    ///   - failures: include the error texts of failed tasks.
    ///   - cached: read the cache only, as django-q's `result_group_cached`.
    /// - Returns: nil when there is no result (without `failures`: no successful one).
    public func resultGroup(
        _ groupID: String, failures: Bool = false, wait: Wait = .none, count: Int? = nil, cached: Bool = false
    ) async throws -> [JSONValue]? {
        try await fetchGroup(groupID, failures: failures, wait: wait, count: count, cached: cached)?.map(\.value)
    }

    /// The records of a group, chains in chain order, waiting as `resultGroup` does.
    /// django-q's `fetch_group`.
    public func fetchGroup(
        _ groupID: String, failures: Bool = true, wait: Wait = .none, count: Int? = nil, cached: Bool = false
    ) async throws -> [TaskRecord]? {
        let records = { () async throws -> [TaskRecord]? in
            let records = try await self.query(ResultSQL.group, groupID, cached).map(TaskRecord.init(row:))
            let kept = failures ? records : records.filter(\.success)
            return kept.isEmpty ? nil : kept
        }
        guard let count, count > 0 else { return try await waitFor(ids: [groupID], wait: wait, records) }
        // A group seen and then gone was deleted with its tasks: it will never have `count`;
        // nor will a chain or iter that has finished short of it (links saved with `save: false`).
        var seen = false
        _ = try await waitFor(ids: [groupID], wait: wait.isNone ? .forever : wait) {
            let row = try await self.query(ResultSQL.progress, groupID, cached)[0]
            let present: Bool = try row.decode("present")
            defer { seen = seen || present }
            let done = try row.decode("count", as: Int.self) >= count || row.decode("finished", as: Bool.self)
            return done || (seen && !present) ? true : nil
        }
        return try await records()
    }

    /// How many results a group has; with `failures`, how many of them failed; with
    /// `cached`, in the cache only.
    public func countGroup(_ groupID: String, failures: Bool = false, cached: Bool = false) async throws -> Int {
        try await query(ResultSQL.count, groupID, failures, cached)[0].decode("count")
    }

    /// Deletes a group, as django-q's `delete_group`. Without `tasks`, its results leave
    /// the group (their group becomes NULL) and stay; a task not finished yet still joins
    /// it when it finishes. With `tasks`, its results and its unfinished tasks are deleted:
    /// a chain stops (a link running now has its outcome dropped) and the group's waiters
    /// return with nothing.
    /// - Returns: how many results left the group, or were deleted.
    @discardableResult
    public func deleteGroup(_ groupID: String, tasks: Bool = false) async throws -> Int {
        try await pool.transaction { tx in
            try await tx.query(tasks ? ResultSQL.deleteGroupAndTasks : ResultSQL.ungroupResults, groupID)[0].decode("count")
        }
    }

    /// The number of links of a chain; nil for a plain group or an id that names none.
    public func chainLength(_ groupID: String) async throws -> Int? {
        try await query(ResultSQL.groupLength, groupID).first?.decode("length", as: Int?.self)
    }

    /// Whether a group or chain of this id exists.
    public func groupExists(_ groupID: String) async throws -> Bool {
        try await !query(ResultSQL.groupLength, groupID).isEmpty
    }

    /// How many tasks are queued, ready for a worker.
    public func queueSize() async throws -> Int {
        try await query(ResultSQL.queueSize)[0].decode("count")
    }

    func query(_ sql: String, _ parameters: any SQLEncodable...) async throws -> QueryResult {
        try await pool.withConnection { connection in try await connection.query(sql, parameters) }
    }

    func query(_ statement: PreparedStatement, _ parameters: any SQLEncodable...) async throws -> QueryResult {
        try await pool.withConnection { connection in try await connection.query(statement, parameters) }
    }

    /// How long a waiter sleeps at most before checking again, in case a notification was missed.
    static let fallbackCheckInterval: Duration = .seconds(5)

    /// Checks until `check` gives a value or the wait is over. Between checks it sleeps until
    /// a notification about one of `ids` arrives; it subscribes before its first check, so a
    /// completion committed in between still wakes it.
    func waitFor<T: Sendable>(
        ids: Set<String>, wait: Wait, _ check: () async throws -> T?
    ) async throws -> T? {
        if wait.isNone { return try await check() }
        let deadline = wait.deadline()
        var backoff = Duration.milliseconds(50)
        while true {
            do {
                let (token, signal) = try await hub.subscribe(ids: ids)
                defer { hub.unsubscribe(token) }
                while true {
                    if let value = try await check() { return value }
                    if let deadline, deadline <= .now { return nil }
                    try Task.checkCancellation()
                    let fallback = ContinuousClock.now + Self.fallbackCheckInterval
                    _ = await signal.wait(until: deadline.map { min($0, fallback) } ?? fallback)
                    backoff = .milliseconds(50)
                }
            } catch let error as PostgresError where error.code.isConnectionFailure {
                // The database restarted or the network dropped: wait, reconnect, check again.
                if let deadline, deadline <= .now + backoff { throw error }
                try await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(2))
            }
        }
    }
}
