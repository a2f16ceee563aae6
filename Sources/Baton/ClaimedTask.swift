import Foundation
import LibPQ

/// A task leased to a worker: what it runs and where its result goes.
public struct ClaimedTask: Sendable, Identifiable {
    public let id: UUID
    public let function: String
    public let args: [JSONValue]
    public let kwargs: [String: JSONValue]
    public let groupID: String?
    public let chainPosition: Int?
    /// The queue it was claimed from.
    public let queue: String
    /// This attempt's number, from 1.
    public let attempt: Int
    /// The attempts it may have; a failure of the last one is final.
    public let maxAttempts: Int
    /// How long it waited to start, from when it was enqueued or became due (its `run_at`),
    /// whichever is later: the database's clock on both ends.
    public let waited: Duration
    /// How long it may run; nil: the cluster's default.
    public let timeout: Duration?
    /// The hook to call with its record once its outcome is recorded; nil: none.
    public let hook: String?
    /// The trace context of the span that enqueued it (docs/tracing.md); nil when that
    /// enqueue was not traced.
    public let trace: [String: String]?
    /// Why its arguments could not be read (JSON nested deeper than the reader goes, say):
    /// the task then fails alone with this reason, and the rest of its claim runs.
    public let unreadable: String?

    /// The columns `init(row:)` reads, for the statements that claim.
    static let columns = columns(of: nil)

    /// The columns `init(row:)` reads from `composite`, a column of type baton.tasks; nil
    /// for the table's own columns.
    static func columns(of composite: String?) -> String {
        let source = composite.map { "(\($0))." } ?? ""
        return """
            \(source)id AS id, \(source)func AS func, \(source)args::text AS args, \(source)kwargs::text AS kwargs, \
            \(source)group_id AS group_id, \(source)chain_position AS chain_position, \(source)attempts AS attempts, \
            extract(epoch FROM \(source)timeout)::float8 AS timeout_seconds, \(source)hook AS hook, \
            \(source)queue AS queue, \(source)max_attempts AS max_attempts, extract(epoch FROM \
            coalesce(\(source)started_at, now()) - greatest(\(source)run_at, \(source)enqueued_at))::float8 AS waited_seconds, \
            \(source)trace::text AS trace
            """
    }

    init(row: Row) throws {
        id = try row.decode("id")
        function = try row.decode("func")
        groupID = try row.decode("group_id")
        chainPosition = try row.decode("chain_position")
        queue = try row.decode("queue")
        attempt = try row.decode("attempts")
        maxAttempts = try row.decode("max_attempts")
        waited = .seconds(max(0, try row.decode("waited_seconds", as: Double.self)))
        timeout = try row.decode("timeout_seconds", as: Double?.self).map { .milliseconds(Int($0 * 1000)) }
        hook = try row.decode("hook")
        trace = TraceCarrier.parse(try row.decode("trace"))
        // Arguments that are not what the function expects, or that cannot be read, fail
        // the task, not the claim.
        do {
            guard case .array(let args) = try JSONValue.parse(try row.decode("args", as: String.self)),
                  case .object(let kwargs) = try JSONValue.parse(try row.decode("kwargs", as: String.self))
            else { throw BatonError(code: .badArguments, message: "they are not an array and an object") }
            (self.args, self.kwargs, unreadable) = (args, kwargs, nil)
        } catch {
            (args, kwargs) = ([], [:])
            let reason = (error as? BatonError)?.message ?? "\(error)"
            unreadable = "\(function): the task's arguments could not be read (\(reason)); it was not run"
        }
    }
}
