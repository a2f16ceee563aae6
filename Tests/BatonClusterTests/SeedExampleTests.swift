import BatonCluster
import Foundation
import Testing
import TestSupport

/// The example of django-q's chain chapter, written in Swift, prints `[-1.0, 1]`.
@Suite struct SeedExampleTests {
    func seedChain(cached: Caching, sync: Bool, broker: Broker) async throws -> String {
        let chain = Chain(cached: cached, sync: sync, broker: broker)
        chain.append("math.copysign", 1, -1)
        let length = chain.append("math.floor", 1)
        #expect(length == 2)
        try await chain.run()
        // As the seed writes it: no wait, the call blocks until the chain has finished.
        return "\(try await chain.result())"
    }

    @Test(arguments: [true, false])
    func chainOnACluster(cached: Bool) async throws {
        try await TestDatabase.withBroker { broker in
            let printed = try await withCluster(broker) {
                try await seedChain(cached: cached ? true : false, sync: false, broker: broker)
            }
            #expect(printed == "[-1.0, 1]")
            let table = cached ? "baton.cached_results" : "baton.results"
            let stored = try await count("SELECT count(*) FROM \(table)", on: broker)
            #expect(stored == 2)
        }
    }

    @Test func chainRunSynchronously() async throws {
        try await TestDatabase.withBroker { broker in
            let printed = try await seedChain(cached: true, sync: true, broker: broker)
            #expect(printed == "[-1.0, 1]")
            let left = try await count("SELECT count(*) FROM baton.tasks", on: broker)
            #expect(left == 0)
        }
    }

    /// Examples/SeedChain, the seed's program as written, prints what the seed prints.
    @Test func theExampleProgramPrintsWhatTheSeedPrints() async throws {
        try await TestDatabase.withBroker { broker in
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = broker.configuration.description
            let run = try await withCluster(broker) {
                try TestDatabase.runWithStatus(try Binaries.path("seed-chain"), [], environment: environment)
            }
            #expect(run.status == 0, "\(run.error)")
            #expect(run.output == "[-1.0, 1]\n")
        }
    }

    @Test func asyncChainInTheSeedsShape() async throws {
        try await TestDatabase.withBroker { broker in
            let results = try await withCluster(broker) {
                let group = try await asyncChain([("math.copysign", [1, -1]), ("math.floor", [1])], broker: broker)
                return try await resultGroup(group, wait: .seconds(10), count: 2, broker: broker)
            }
            #expect(results.map { "\($0)" } == "[-1.0, 1]")
        }
    }
}
