import Foundation
import LibPQ

/// A finished task as `baton.results` (or the cache) records it. django-q's `Task`.
public struct TaskRecord: Sendable, Hashable, Identifiable {
    public let id: UUID
    public let name: String
    public let function: String
    public let args: [JSONValue]
    public let kwargs: [String: JSONValue]
    /// The function's result; nil when it failed.
    public let result: JSONValue?
    /// Why it failed; nil when it succeeded.
    public let error: String?
    /// Why each failed attempt failed, oldest first (the last is `error` when it failed).
    public let errors: [String]
    public let success: Bool
    public let groupID: String?
    public let chainPosition: Int?
    public let attempts: Int
    /// The name of the cluster that ran it (`host:pid:xxxx`, as in `baton.clusters`), or
    /// `host:pid:sync` for a task run by its caller; nil for links cancelled before running.
    public let worker: String?
    public let enqueuedAt: Date
    public let startedAt: Date?
    public let stoppedAt: Date
    public let cached: Bool
    /// The queue it ran from.
    public let queue: String
    /// Cancelled (by `cancel`, or a chain link after a failed one): not a failure of its
    /// function; `success` is false and `error` says why.
    public let cancelled: Bool

    /// Reads the columns `columns` names.
    init(row: Row) throws {
        try self.init(row: row, prefix: "")
    }

    /// Reads the columns `columns(of:prefix:cachedColumn:)` names with `prefix`.
    init(row: Row, prefix: String) throws {
        func column(_ name: String) -> String { prefix + name }
        id = try row.decode(column("id"))
        name = try row.decode(column("name"))
        function = try row.decode(column("func"))
        args = try row.decode(column("args"), as: String.self).parsedArray()
        kwargs = try row.decode(column("kwargs"), as: String.self).parsedObject()
        result = try row.decode(column("result"), as: String?.self).map(JSONValue.parse)
        error = try row.decode(column("error"))
        errors = try row.decode(column("errors"))
        success = try row.decode(column("success"))
        groupID = try row.decode(column("group_id"))
        chainPosition = try row.decode(column("chain_position"))
        attempts = try row.decode(column("attempts"))
        worker = try row.decode(column("worker"))
        enqueuedAt = try row.decode(column("enqueued_at"))
        startedAt = try row.decode(column("started_at"))
        stoppedAt = try row.decode(column("stopped_at"))
        cached = try row.decode(column("cached"))
        queue = try row.decode(column("queue"))
        cancelled = try row.decode(column("cancelled"))
    }

    /// What django-q's `result()` gives: the result, or the error text of a failure.
    public var value: JSONValue {
        success ? (result ?? .null) : .string(error ?? "failed")
    }

    static let columns = """
        id, name, func, args::text, kwargs::text, result::text, error, success, group_id, chain_position,
        attempts, worker, enqueued_at, started_at, stopped_at, cached, errors, queue, cancelled
        """

    /// The columns of `composite`, a column of type baton.results, named with `prefix`;
    /// `cached` is the column named by `cachedColumn`.
    static func columns(of composite: String, prefix: String, cachedColumn: String) -> String {
        let names = [
            "id", "name", "func", "args::text", "kwargs::text", "result::text", "error", "success", "group_id",
            "chain_position", "attempts", "worker", "enqueued_at", "started_at", "stopped_at", "errors", "queue",
            "cancelled",
        ]
        return names.map { name in
            let bare = name.split(separator: ":")[0]
            return "(\(composite)).\(name) AS \(prefix)\(bare)"
        }.joined(separator: ", ") + ", \(cachedColumn) AS \(prefix)cached"
    }
}

extension String {
    fileprivate func parsedArray() throws -> [JSONValue] {
        guard case .array(let values) = try JSONValue.parse(self) else { return [] }
        return values
    }

    fileprivate func parsedObject() throws -> [String: JSONValue] {
        guard case .object(let members) = try JSONValue.parse(self) else { return [:] }
        return members
    }
}
