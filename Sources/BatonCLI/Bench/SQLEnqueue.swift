import Baton
import Foundation

/// Enqueues as another language's clients make them: `SELECT baton.async_task(...)`, one
/// call per transaction (autocommit), from `clients` connections at once, while a
/// `baton cluster` process waits for work and runs the tasks as they arrive, on the same
/// cores. The rate is the enqueues' (from the first call to the last answer); the
/// cluster's drain after it is not timed.
struct SQLEnqueue {
    /// As many connections as a web application's pool might hold.
    static let clients = 16

    let configuration: ConnectionConfiguration
    let workers: Int
    let prefetch: Int?

    enum Wakeup {
        /// The default since 0017: a NOTIFY only while a cluster waits for work.
        case whenWaited
        /// A NOTIFY in every call's transaction, as the default was before 0017.
        case everyCall
        /// None (`notify => false`), the cluster polling every second.
        case never
    }

    func rate(_ count: Int, wakeup: Wakeup) async throws -> Double {
        try await Broker.with(configuration: configuration, maxConnections: 1) { broker in
            let process = try ClusterProcess.start(
                on: configuration, workers: workers, prefetch: prefetch,
                environment: wakeup == .never ? ["BATON_LISTEN_URL": "none"] : [:])
            defer { ClusterProcess.stop([process]) }
            // A polling cluster never waits in baton.waiting_clusters: its registration will do.
            let ready = wakeup == .never ? "baton.clusters" : "baton.waiting_clusters"
            try await ClusterProcess.wait(until: "the cluster waiting for work", [process]) {
                try await broker.pool.withConnection { connection in
                    try await connection.query(BenchSQL.anyRow(in: ready))[0].decode(0, as: Bool.self)
                }
            }
            let call = "baton.async_task('baton.echo', $1::jsonb"
            let statement = switch wakeup {
            case .whenWaited: PreparedStatement(name: "bench_sql_enqueue", sql: "SELECT \(call))")
            case .never: PreparedStatement(name: "bench_sql_enqueue_silent", sql: "SELECT \(call), notify => false)")
            case .everyCall:
                PreparedStatement(
                    name: "bench_sql_enqueue_notify", sql: "SELECT \(call), notify => false), pg_notify('baton', 'queued')")
            }
            // The clients' connections open before the clock starts, as the baselines' do.
            let rate = try await Baseline(configuration: configuration, connections: Self.clients).timed(count) {
                connection, share in
                for call in 0..<share { _ = try await connection.query(statement, "[\(call)]") }
            }
            try await ClusterProcess.wait(until: "the SQL-enqueued tasks' drain", [process]) {
                try await ClusterProcess.queueIsEmpty(broker)
            }
            ClusterProcess.stop([process])
            try await Workloads(configuration: configuration, workers: workers, prefetch: prefetch).empty(broker)
            return rate
        }
    }
}
