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
            let observed1 = try await broker.result(id, wait: .seconds(10))
            #expect(observed1 == 7)
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
            let observed2 = try await count("SELECT count(*) FROM baton.cached_results", on: broker)
            #expect(observed2 == 1)
            try await Task.sleep(for: .milliseconds(200))
            // Expired: hidden from results at once, deleted by the next rescuer pass.
            let observed3 = try await broker.result(id)
            #expect(observed3 == nil)
            try await broker.pool.withConnection { connection in
                try await broker.pruneExpired(on: connection)
            }
            let observed4 = try await count("SELECT count(*) FROM baton.cached_results", on: broker)
            #expect(observed4 == 0)
        }
    }
}
