import BatonCluster
import Foundation
import Testing
import TestSupport

/// `sync: true` runs the task in the calling process, as django-q's sync does: with a
/// cluster running beside it, the cluster never gets it, not its retries, not a chain's links.
@Suite struct SyncTests {
    func workers(_ broker: Broker) async throws -> [String] {
        try await broker.pool.withConnection { connection in
            try await connection.query("SELECT DISTINCT coalesce(worker, 'none') FROM baton.results").map { try $0.decode(0) }
        }
    }

    @Test func aSyncTaskRunsInTheCallerWhileAClusterWaits() async throws {
        try await TestDatabase.withBroker { broker in
            let timings = try await withCluster(broker) {
                var timings: [Duration] = []
                for _ in 0..<3 {
                    let started = ContinuousClock.now
                    let id = try await broker.asyncTask("baton.sleep", args: [300], sync: true)
                    timings.append(ContinuousClock.now - started)
                    #expect(try await broker.result(id) == 300)
                }
                return timings
            }
            #expect(timings.allSatisfy { $0 >= .milliseconds(300) }, "the call returns after running it: \(timings)")
            #expect(try await workers(broker) == [WorkerIdentity.current.name + ":sync"])
        }
    }

    @Test func aSyncChainRunsEveryLinkInTheCaller() async throws {
        try await TestDatabase.withBroker { broker in
            let group = try await withCluster(broker) {
                try await broker.asyncChain(
                    (0..<4).map { ChainLink("baton.sleep", .int(50 + $0)) }, sync: true)
            }
            let records = try #require(try await broker.fetchGroup(group, count: 4))
            #expect(records.map(\.value) == [50, 51, 52, 53])
            #expect(try await workers(broker) == [WorkerIdentity.current.name + ":sync"])
        }
    }

    @Test func aSyncTaskRetriesInTheCaller() async throws {
        try await TestDatabase.withBroker { broker in
            let started = ContinuousClock.now
            let id = try await withCluster(broker) {
                try await broker.asyncTask("baton.fail", args: ["again"], sync: true, maxAttempts: 3,
                                           retryDelay: .milliseconds(200))
            }
            let record = try #require(try await broker.fetch(id))
            #expect(record.attempts == 3 && !record.success)
            #expect(ContinuousClock.now - started >= .milliseconds(400), "it waited out each backoff")
            #expect(try await workers(broker) == [WorkerIdentity.current.name + ":sync"])
        }
    }
}
