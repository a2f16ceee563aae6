import BatonCluster
import Foundation
import Testing
import TestSupport

/// `asyncTasks` (COPY) and `baton.async_tasks` (SQL): many tasks in one call, all or none.
@Suite struct BulkEnqueueTests {
    @Test func everyTaskOfABulkEnqueueRunsOnceWithItsOwnArguments() async throws {
        try await TestDatabase.withBroker { broker in
            let calls = (0..<500).map { TaskCall("math.floor", .double(Double($0) + 0.5)) }
            let ids = try await broker.asyncTasks(calls, group: "floors")
            #expect(ids.count == 500)
            #expect(Set(ids).count == 500)
            // A long idle check: only the wake-up sent after the commit can start the work quickly.
            let configuration = ClusterConfiguration(workers: 4, idleCheckInterval: .seconds(60))
            let results = try await withCluster(broker, configuration: configuration) {
                try await broker.resultGroup("floors", wait: .seconds(20), count: 500)
            }
            #expect(results?.count == 500)
            for (index, id) in ids.enumerated().prefix(20) {
                let value = try await broker.result(id)
                #expect(value == .int(index), "task \(index) ran with its own argument")
            }
            #expect(try await count("SELECT count(*) FROM baton.results", on: broker) == 500)
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 0)
        }
    }

    @Test func aBadCallOrAChainGroupEnqueuesNothing() async throws {
        try await TestDatabase.withBroker { broker in
            let noName = await #expect(throws: BatonError.self) {
                try await broker.asyncTasks([TaskCall("baton.echo"), TaskCall("")])
            }
            #expect(noName?.code == .invalidArgument)
            #expect(noName?.message.contains("task 1 has no function name") == true)

            let chain = try await broker.asyncChain([ChainLink("baton.echo")])
            let chainGroup = await #expect(throws: BatonError.self) {
                try await broker.asyncTasks([TaskCall("baton.echo")], group: chain)
            }
            #expect(chainGroup?.code == .invalidArgument)
            #expect(chainGroup?.message.contains("is a chain, not a group") == true)

            let attempts = await #expect(throws: BatonError.self) {
                try await broker.asyncTasks([TaskCall("baton.echo")], maxAttempts: 0)
            }
            #expect(attempts?.code == .invalidArgument)
            // Only the chain's one link is queued.
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 1)
        }
    }

    @Test func aBulkEnqueueInARolledBackTransactionLeavesNothing() async throws {
        try await TestDatabase.withBroker { broker in
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await broker.pool.transaction { tx in
                    try await broker.asyncTasks(Array(repeating: TaskCall("baton.echo"), count: 100), in: tx)
                    throw Abort()
                }
            }
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 0)
            let ids = try await broker.pool.transaction { tx in
                try await broker.asyncTasks(Array(repeating: TaskCall("baton.echo"), count: 100), in: tx)
            }
            #expect(try await count("SELECT count(*) FROM baton.tasks WHERE id = ANY ($1::uuid[])", ids, on: broker) == 100)
        }
    }

    @Test func sqlBulkEnqueueNamesABadLinkAndEnqueuesNone() async throws {
        try await TestDatabase.withBroker { broker in
            let error = await #expect(throws: PostgresError.self) {
                _ = try await broker.pool.withConnection { connection in
                    try await connection.query(
                        "SELECT baton.async_tasks($1::jsonb)", #"[["baton.echo", [1]], ["baton.echo", 2]]"#)
                }
            }
            #expect(error?.message.contains("task 1 (baton.echo): args must be a JSON array") == true)
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 0)

            let ids = try await broker.pool.withConnection { connection in
                try await connection.query(
                    "SELECT baton.async_tasks($1::jsonb, priority => 3) AS id",
                    #"[["baton.echo", [1]], {"func": "baton.echo", "args": [2]}, ["baton.echo"]]"#
                ).map { try $0.decode("id", as: UUID.self) }
            }
            #expect(ids.count == 3)
            let results = try await withCluster(broker) {
                try await ids.asyncMap { try await broker.result($0, wait: .seconds(10)) }
            }
            #expect(results == [.array([1]), .array([2]), .array([])])
        }
    }
}
