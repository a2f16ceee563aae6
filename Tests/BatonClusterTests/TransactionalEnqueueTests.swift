import BatonCluster
import Foundation
import Testing
import TestSupport

/// A chain enqueued in the application's transaction exists exactly when it commits.
@Suite struct TransactionalEnqueueTests {
    struct Abort: Error {}

    @Test func aRolledBackTransactionEnqueuesNothing() async throws {
        try await TestDatabase.withBroker { broker in
            await #expect(throws: Abort.self) {
                try await broker.pool.transaction { tx in
                    try await tx.execute(script: "CREATE TABLE orders (id int)")
                    try await asyncChain([("math.copysign", [1, -1]), ("math.floor", [1])], group: "order-1",
                                         broker: broker, in: tx)
                    try await asyncTask("baton.echo", 1, group: "mail", broker: broker, in: tx)
                    throw Abort()
                }
            }
            let groupMade = try await broker.groupExists("order-1")
            #expect(groupMade == false)
            #expect(try await broker.queueSize() == 0)
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 0)
        }
    }

    @Test func aCommittedTransactionsChainRuns() async throws {
        try await TestDatabase.withBroker { broker in
            let results = try await withCluster(broker) {
                try await broker.pool.transaction { tx in
                    try await tx.execute(script: "CREATE TABLE orders (id int); INSERT INTO orders VALUES (1)")
                    try await asyncChain([("math.copysign", [1, -1]), ("math.floor", [1])], group: "order-1",
                                         broker: broker, in: tx)
                }
                return try await resultGroup("order-1", wait: .seconds(10), count: 2, broker: broker)
            }
            #expect(results == [-1.0, 1])
        }
    }

    @Test func theSameFromPsql() async throws {
        try await TestDatabase.withBroker { broker in
            let url = broker.configuration.description
            let chain = #"[["math.copysign", [1, -1]], ["math.floor", [1]]]"#
            let rolledBack = try TestDatabase.runWithStatus(
                "/usr/bin/env", ["psql", url, "-v", "ON_ERROR_STOP=1", "-c",
                                 "BEGIN; SELECT baton.async_chain('\(chain)', 'from-psql'); ROLLBACK;"])
            #expect(rolledBack.status == 0, "\(rolledBack.error)")
            #expect(try await broker.groupExists("from-psql") == false)
            let committed = try TestDatabase.runWithStatus(
                "/usr/bin/env", ["psql", url, "-v", "ON_ERROR_STOP=1", "-c",
                                 "BEGIN; SELECT baton.async_chain('\(chain)', 'from-psql'); COMMIT;"])
            #expect(committed.status == 0, "\(committed.error)")
            let results = try await withCluster(broker) {
                try await resultGroup("from-psql", wait: .seconds(10), count: 2, broker: broker)
            }
            #expect(results == [-1.0, 1])
        }
    }

    @Test func syncIsRefusedInsideATransaction() async throws {
        try await TestDatabase.withBroker { broker in
            let error = await #expect(throws: BatonError.self) {
                try await broker.pool.transaction { tx in
                    try await asyncTask("baton.echo", 1, sync: true, broker: broker, in: tx)
                }
            }
            #expect(error?.code == .invalidArgument)
            let queued = try await broker.queueSize()
            #expect(queued == 0)
        }
    }
}
