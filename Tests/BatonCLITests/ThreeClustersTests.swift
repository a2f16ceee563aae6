import Baton
import Foundation
import Testing
import TestSupport

/// Three `baton cluster` processes on one database run 500 chains of 5 links: each link
/// exactly once, in order, every chain complete, every cluster taking a share.
@Suite struct ThreeClustersTests {
    @Test func fiveHundredChainsOfFiveLinks() async throws {
        try await TestDatabase.withBroker { broker in
            let chains = 500, links = 5
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = broker.configuration.description
            let clusters = try (0..<3).map { _ in try Binaries.start("baton", ["cluster", "--workers", "4"], environment: environment) }
            defer { clusters.forEach { $0.terminate() } }

            // Each cluster claims only for its free workers until it has measured its tasks, so
            // three clusters that are up when the chains arrive all get a share of them.
            var alive = 0
            for _ in 0..<300 where alive < 3 {
                try await Task.sleep(for: .milliseconds(20))
                alive = try await broker.pool.withConnection {
                    try await $0.query("SELECT count(*) FROM baton.clusters")[0].decode(0, as: Int.self)
                }
            }
            #expect(alive == 3, "three clusters registered")
            try await broker.pool.transaction { tx in
                for chain in 0..<chains {
                    let steps = (0..<links).map { ChainLink("baton.echo", .int(chain), .int($0)) }
                    try await broker.asyncChain(steps, group: "chain-\(chain)", in: tx)
                }
            }
            let started = ContinuousClock.now
            for chain in 0..<chains {
                let results = try await broker.resultGroup("chain-\(chain)", wait: .seconds(60), count: links)
                #expect(results == (0..<links).map { [.int(chain), .int($0)] }, "chain \(chain)")
            }
            let elapsed = ContinuousClock.now - started
            for cluster in clusters {
                cluster.terminate()
                cluster.waitUntilExit()
                #expect(cluster.terminationStatus == 0, "a cluster did not stop cleanly on SIGTERM")
            }

            let check = """
                SELECT count(*) AS results, count(DISTINCT (group_id, chain_position)) AS links,
                       count(DISTINCT worker) AS workers, count(*) FILTER (WHERE NOT success) AS failures
                FROM baton.results
                """
            let row = try await broker.pool.withConnection { try await $0.query(check)[0] }
            #expect(try row.decode("results", as: Int.self) == chains * links, "each link recorded exactly once")
            #expect(try row.decode("links", as: Int.self) == chains * links)
            #expect(try row.decode("failures", as: Int.self) == 0)
            #expect(try row.decode("workers", as: Int.self) == 3, "all three clusters took work")
            // Link n+1 started only after link n stopped, in every chain.
            let overlaps = """
                SELECT count(*) FROM baton.results AS next
                JOIN baton.results AS previous
                  ON previous.group_id = next.group_id AND previous.chain_position = next.chain_position - 1
                WHERE next.started_at < previous.stopped_at
                """
            let overlapping = try await broker.pool.withConnection { try await $0.query(overlaps)[0].decode(0, as: Int.self) }
            #expect(overlapping == 0)
            print("three clusters ran \(chains * links) links of \(chains) chains in \(elapsed)")
        }
    }
}
