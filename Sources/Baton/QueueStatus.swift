import LibPQ

/// A queue as `baton.queue_status` shows it: its tasks by state, its settings, and the live
/// clusters serving it.
public struct QueueStatus: Sendable, Hashable {
    public let name: String
    /// Queued and due.
    public let queued: Int
    /// Queued, not due yet (`runAt`, `delay`, a retry's backoff).
    public let delayed: Int
    public let running: Int
    /// Later chain links, waiting for the link before them.
    public let waiting: Int
    public let paused: Bool
    /// The most of its tasks leased at once across every cluster; nil: no limit.
    public let runningLimit: Int?
    /// Live clusters serving it, and their workers for it: 0 means none runs its tasks.
    public let clusters: Int
    public let workers: Int
    /// How long the oldest due task has waited, in seconds; nil when none is due.
    public let oldestDueAge: Double?

    init(row: Row) throws {
        name = try row.decode("queue")
        (queued, delayed) = (try row.decode("queued"), try row.decode("delayed"))
        (running, waiting) = (try row.decode("running"), try row.decode("waiting"))
        (paused, runningLimit) = (try row.decode("paused"), try row.decode("running_limit"))
        (clusters, workers) = (try row.decode("clusters"), try row.decode("workers"))
        oldestDueAge = try row.decode("oldest_due_age")
    }
}
