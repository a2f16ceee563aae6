import Baton
import Foundation

/// What one screen of `baton monitor` shows, read from the database at `at`.
struct MonitorSnapshot: Sendable {
    struct Rate: Sendable { let finished: Int, failed: Int }
    struct Running: Sendable { let function: String, queue: String, worker: String, seconds: Double }
    struct Failure: Sendable { let function: String, queue: String, ago: Double, error: String }

    let at: Date
    let clusters: [ClusterStatus]
    let queues: [QueueStatus]
    /// The last minute's results per queue.
    let rates: [String: Rate]
    let running: [Running]
    let failures: [Failure]

    static func read(from broker: Broker) async throws -> MonitorSnapshot {
        let (clusters, queues) = (try await broker.clusters(), try await broker.queues())
        return try await broker.pool.withConnection { connection in
            var rates: [String: Rate] = [:]
            for row in try await connection.query(MonitorSQL.rates) {
                rates[try row.decode("queue")] = Rate(finished: try row.decode("finished"), failed: try row.decode("failed"))
            }
            let running = try await connection.query(MonitorSQL.running).map { row in
                Running(function: try row.decode("func"), queue: try row.decode("queue"), worker: try row.decode("worker"),
                        seconds: try row.decode("seconds"))
            }
            let failures = try await connection.query(MonitorSQL.failures).map { row in
                Failure(function: try row.decode("func"), queue: try row.decode("queue"), ago: try row.decode("ago"),
                        error: try row.decode("error"))
            }
            return MonitorSnapshot(
                at: Date(), clusters: clusters, queues: queues, rates: rates, running: running, failures: failures)
        }
    }
}
