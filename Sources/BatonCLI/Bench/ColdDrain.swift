import Baton
import Foundation

/// A drain as users meet it: a burst enqueued by SQL (`baton.async_task` over
/// `generate_series`, one statement) into a database of its own, then a `baton cluster`
/// process (this executable) started on it; the time from its start until the queue is
/// empty. Autovacuum is off on the queue table, as before its first visit: the figure must
/// not depend on whether it came by during the drain.
struct ColdDrain {
    /// The server the bench runs on, and the name of its database, a prefix for these.
    let server: ConnectionConfiguration
    let database: String
    let workers: Int
    let prefetch: Int?

    enum Queue: String {
        /// A new database: the queue table has never been analysed.
        case fresh
        /// Analysed while empty, then `churn` tasks enqueued and deleted by SQL (dead rows,
        /// no vacuum) before the burst: statistics that describe another queue.
        case stale
    }

    /// Tasks enqueued and deleted before a stale queue's burst, per task of the burst.
    static let churn = 5

    /// One drain of `count` tasks: tasks/s.
    func measure(_ count: Int, queue: Queue, progress: (String) -> Void) async throws -> Double {
        try await ScratchDatabase.with("\(database)_\(queue.rawValue)", on: server) { configuration in
            try await drain(count, queue: queue, on: configuration, progress: progress)
        }
    }

    private func drain(
        _ count: Int, queue: Queue, on configuration: ConnectionConfiguration, progress: (String) -> Void
    ) async throws -> Double {
        try await Broker.with(configuration: configuration, maxConnections: 1) { broker in
            try await broker.pool.withConnection { connection in
                try await Migrator().migrate(on: connection)
                try await connection.execute(script: BenchSQL.autovacuumOff)
                if queue == .stale {
                    progress("\(queue.rawValue) queue: churning \(count * Self.churn) tasks")
                    try await connection.execute(script: BenchSQL.analyzeQueue)
                    try await connection.execute(BenchSQL.enqueueSilently, count * Self.churn)
                    try await connection.execute(script: BenchSQL.deleteQueue)
                }
                progress("\(queue.rawValue) queue: enqueueing \(count) tasks by SQL")
                try await connection.execute(BenchSQL.enqueueBySQL, count)
            }
            progress("\(queue.rawValue) queue: baton cluster draining \(count) tasks")
            let started = ContinuousClock.now
            let process = try ClusterProcess.start(on: configuration, workers: workers, prefetch: prefetch)
            defer { ClusterProcess.stop([process]) }
            try await ClusterProcess.wait(
                until: "the \(queue.rawValue) queue's drain", [process], limit: .seconds(600),
                progress: { progress("\(queue.rawValue) queue: draining, \(Int($0.seconds)) s") }
            ) { try await ClusterProcess.queueIsEmpty(broker) }
            return Measure.rate(count, in: ContinuousClock.now - started)
        }
    }
}
