import Foundation
import LibPQ

/// A cluster as `baton.clusters` knows it: its workers and queues, what it runs now and has
/// finished, its memory, and when its heartbeat was last seen.
public struct ClusterStatus: Sendable, Hashable {
    /// host:pid:xxxx, as in a task's lease owner and a result's worker.
    public let name: String
    public let workers: Int
    /// The queues it serves, each with its workers.
    public let queues: [String: Int]
    /// The functions it claims.
    public let functions: [String]
    /// Its tasks leased now.
    public let running: Int
    /// Tasks it has recorded since it started.
    public let finished: Int
    /// Its resident memory at its last heartbeat; nil when the host does not say.
    public let residentBytes: Int?
    public let uptimeSeconds: Double
    public let seenSecondsAgo: Double
    /// Seen within 30 seconds.
    public let alive: Bool

    init(row: Row) throws {
        (name, workers) = (try row.decode("name"), try row.decode("workers"))
        guard case .object(let served) = try JSONValue.parse(try row.decode("queues", as: String.self)) else {
            throw BatonError(code: .invalidArgument, message: "cluster \(name)'s queues are not a JSON object")
        }
        queues = served.compactMapValues { if case .int(let workers) = $0 { workers } else { nil } }
        functions = try row.decode("functions")
        (running, finished) = (try row.decode("running"), try row.decode("finished"))
        residentBytes = try row.decode("rss_bytes")
        (uptimeSeconds, seenSecondsAgo) = (try row.decode("uptime"), try row.decode("seen_ago"))
        alive = try row.decode("alive")
    }
}

extension Broker {
    /// Every cluster that has registered and not been forgotten (silent for three leases), by name.
    public func clusters() async throws -> [ClusterStatus] {
        try await query(ClusterSQL.status).map(ClusterStatus.init(row:))
    }
}
