import BatonCluster
import Foundation
import Logging
import Testing

/// The stock functions and `test.step`, which sleeps 30 ms and returns its argument.
let testRegistry: TaskRegistry = {
    var registry = TaskRegistry.stock
    try! registry.register("test.step") { (value: Int) in
        try await Task.sleep(for: .milliseconds(30))
        return value
    }
    return registry
}()

/// Runs `body` while a cluster works on the broker's database, then stops the cluster.
func withCluster<R: Sendable>(
    _ broker: Broker, registry: TaskRegistry = testRegistry,
    configuration: ClusterConfiguration = ClusterConfiguration(workers: 4), logger: Logger = Logger(label: "baton.cluster"),
    _ body: () async throws -> R
) async throws -> R {
    let cluster = Cluster(broker: broker, registry: registry, configuration: configuration, logger: logger)
    let running = Task { try await cluster.run() }
    do {
        let value = try await body()
        running.cancel()
        try await running.value
        return value
    } catch {
        running.cancel()
        _ = try? await running.value
        throw error
    }
}

/// Reads one integer from the broker's database.
func count(_ sql: String, _ parameters: any SQLEncodable..., on broker: Broker) async throws -> Int {
    try await broker.pool.withConnection { connection in
        try await connection.query(sql, parameters)[0].decode(0, as: Int.self)
    }
}

/// The payloads on channel `baton` that a listener hears while `body` runs statements on a
/// connection of its own, up to a marker sent after it.
func payloads(heardOn broker: Broker, during body: (Connection) async throws -> Void) async throws -> [String] {
    let listener = try await Connection.connect(broker.pool.configuration)
    let sender = try await Connection.connect(broker.pool.configuration)
    return try await listener.listen(on: "baton") { notifications in
        try await body(sender)
        try await sender.execute(script: "SELECT pg_notify('baton', 'marker')")
        var payloads: [String] = []
        for try await notification in notifications {
            if notification.payload == "marker" { break }
            payloads.append(notification.payload)
        }
        return payloads
    }
}
