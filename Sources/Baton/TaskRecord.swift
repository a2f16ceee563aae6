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

    init(row: Row) throws {
        id = try row.decode("id")
        name = try row.decode("name")
        function = try row.decode("func")
        args = try row.decode("args", as: String.self).parsedArray()
        kwargs = try row.decode("kwargs", as: String.self).parsedObject()
        result = try row.decode("result", as: String?.self).map(JSONValue.parse)
        error = try row.decode("error")
        errors = try row.decode("errors")
        success = try row.decode("success")
        groupID = try row.decode("group_id")
        chainPosition = try row.decode("chain_position")
        attempts = try row.decode("attempts")
        worker = try row.decode("worker")
        enqueuedAt = try row.decode("enqueued_at")
        startedAt = try row.decode("started_at")
        stoppedAt = try row.decode("stopped_at")
        cached = try row.decode("cached")
    }

    /// What django-q's `result()` gives: the result, or the error text of a failure.
    public var value: JSONValue {
        success ? (result ?? .null) : .string(error ?? "failed")
    }

    static let columns = """
        id, name, func, args::text, kwargs::text, result::text, error, success, group_id, chain_position,
        attempts, worker, enqueued_at, started_at, stopped_at, cached, errors
        """
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
