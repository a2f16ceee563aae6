import BatonCluster
import Foundation
import Testing
import TestSupport

@Suite struct ClusterTests {
    @Test func aRunningClusterIsListedAndLeavesWhenItStops() async throws {
        try await TestDatabase.withBroker { broker in
            var registry = TaskRegistry()
            try registry.register("only.this") { (value: Int) in value }
            let cluster = Cluster(
                broker: broker, registry: registry, configuration: ClusterConfiguration(workers: 3, name: "test-cluster"))
            let running = Task { try await cluster.run() }
            let id = try await broker.asyncTask("only.this", args: [7])
            #expect(try await broker.result(id, wait: .seconds(10)) == 7)
            let row = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT workers, functions FROM baton.clusters WHERE name = $1", "test-cluster")
            }
            #expect(try row.first?.decode("workers", as: Int.self) == 3)
            #expect(try row.first?.decode("functions", as: [String].self) == ["only.this"])
            running.cancel()
            try await running.value
            let left = try await count("SELECT count(*) FROM baton.clusters", on: broker)
            #expect(left == 0)
            #expect(cluster.finishedCount == 1)
        }
    }

    @Test func expiredCachedResultsArePrunedByTheRescuer() async throws {
        try await TestDatabase.withBroker { broker in
            let id = try await broker.asyncTask("baton.echo", args: [1], cached: .expiring(after: .milliseconds(100)), sync: true)
            #expect(try await count("SELECT count(*) FROM baton.cached_results", on: broker) == 1)
            try await Task.sleep(for: .milliseconds(200))
            // Expired: hidden from results at once, deleted by the next rescuer pass.
            #expect(try await broker.result(id) == nil)
            try await broker.pool.withConnection { connection in
                try await broker.worker.pruneExpired(on: connection)
            }
            #expect(try await count("SELECT count(*) FROM baton.cached_results", on: broker) == 0)
        }
    }
}
