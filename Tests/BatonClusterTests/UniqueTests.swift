import BatonCluster
import Foundation
import Testing
import TestSupport

/// Unique tasks and chains: a key taken by a task queued, waiting or running (or finished
/// within its `uniqueFor`) enqueues nothing more and returns the existing id.
@Suite struct UniqueTests {
    @Test func aKeyTakenReturnsTheTaskThatHoldsIt() async throws {
        try await TestDatabase.withBroker { broker async throws in
            let first = try await broker.asyncTask("baton.echo", args: [1], unique: "report-7")
            let second = try await broker.asyncTask("baton.echo", args: [2], unique: "report-7")
            let other = try await broker.asyncTask("baton.echo", args: [3], unique: "report-8")
            let bySQL = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT baton.async_task('baton.echo', '[4]', unique_key => 'report-7')")[0]
                    .decode(0, as: UUID.self)
            }
            #expect(second == first && bySQL == first && other != first)
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 2)
            try await withCluster(broker) {
                let done = try await broker.fetch(first, wait: .seconds(10))
                #expect(done?.args == [1], "the first enqueue's arguments ran")
                // Finished, with no uniqueFor: the key is free again.
                let next = try await broker.asyncTask("baton.echo", args: [5], unique: "report-7")
                #expect(next != first)
            }
        }
    }

    @Test func uniqueForKeepsTheKeyAfterTheTaskFinished() async throws {
        try await TestDatabase.withBroker { broker async throws in
            try await withCluster(broker) {
                let first = try await broker.asyncTask("baton.echo", args: [1], unique: "digest", uniqueFor: .seconds(2))
                let record = try await broker.fetch(first, wait: .seconds(10))
                #expect(record?.success == true)
                let soon = try await broker.asyncTask("baton.echo", args: [2], unique: "digest", uniqueFor: .seconds(2))
                #expect(soon == first, "the key is still taken within its period")
                let freed = try await waitUntil(.seconds(10)) {
                    try await broker.asyncTask("baton.echo", args: [3], unique: "digest", uniqueFor: .seconds(2)) != first
                }
                #expect(freed, "and free once the period is over")
                let stopped = try #require(record?.stoppedAt)
                #expect(Date().timeIntervalSince(stopped) >= 1.9)
            }
        }
    }

    /// Twenty connections enqueue one key at the same moment: one task, one id for all.
    @Test func twentyConcurrentCallersMakeOneTask() async throws {
        try await TestDatabase.withBroker { broker async throws in
            let connections = try await withThrowingTaskGroup(of: Connection.self) { group in
                for _ in 0..<20 { group.addTask { try await Connection.connect(broker.pool.configuration) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            for round in 0..<5 {
                let ids = try await withThrowingTaskGroup(of: String.self) { group in
                    for (index, connection) in connections.enumerated() {
                        group.addTask {
                            let sql = index % 2 == 0
                                ? "SELECT baton.async_task('baton.echo', '[1]', unique_key => $1)::text"
                                : "SELECT baton.async_chain('[[\"baton.echo\", [1]], [\"baton.echo\", [2]]]', unique_key => $1)"
                            return try await connection.query(sql, ["key-\(round)"])[0].decode(0)
                        }
                    }
                    return try await group.reduce(into: Set<String>()) { $0.insert($1) }
                }
                #expect(ids.count == 2, "one task and one chain for key-\(round): \(ids)")
            }
            for connection in connections { await connection.close() }
            #expect(try await count("SELECT count(*) FROM baton.tasks WHERE unique_key IS NOT NULL", on: broker) == 5)
            #expect(try await count("SELECT count(*) FROM baton.groups WHERE unique_key IS NOT NULL", on: broker) == 5)
        }
    }

    /// A key taken in a transaction that rolls back was never taken: the caller waiting on it
    /// enqueues its own.
    @Test func aKeyTakenInARolledBackTransactionIsFree() async throws {
        try await TestDatabase.withBroker { broker async throws in
            let holder = try await Connection.connect(broker.pool.configuration)
            let waiter = try await Connection.connect(broker.pool.configuration)
            try await holder.execute("BEGIN")
            let rolledBack: UUID = try await holder.query(
                "SELECT baton.async_task('baton.echo', '[1]', unique_key => 'k')")[0].decode(0)
            let waiting = Task {
                try await waiter.query("SELECT baton.async_task('baton.echo', '[2]', unique_key => 'k')")[0].decode(0, as: UUID.self)
            }
            try await Task.sleep(for: .milliseconds(200))
            try await holder.execute("ROLLBACK")
            let made = try await waiting.value
            #expect(made != rolledBack)
            #expect(try await count("SELECT count(*) FROM baton.tasks WHERE unique_key = 'k'", on: broker) == 1)
            await holder.close()
            await waiter.close()
        }
    }

    @Test func aUniqueChainIsOneUntilItHasFinishedWhole() async throws {
        try await TestDatabase.withBroker { broker async throws in
            let links = [ChainLink("baton.sleep", 200), ChainLink("baton.sleep", 1500)]
            let chain = try await broker.asyncChain(links, unique: "nightly")
            #expect(try await broker.asyncChain(links, unique: "nightly") == chain)
            try await withCluster(broker) {
                // Link 0 finished, link 1 not yet: the chain holds its key.
                let halfway = try await waitUntil(.seconds(10)) { try await broker.countGroup(chain) >= 1 }
                #expect(halfway)
                #expect(try await broker.asyncChain(links, unique: "nightly") == chain)
                let results = try await broker.resultGroup(chain, wait: .seconds(10), count: 2)
                #expect(results?.count == 2)
                let finished = try await waitUntil(.seconds(5)) {
                    try await count("SELECT count(*) FROM baton.groups WHERE id = $1 AND finished_at IS NOT NULL", chain,
                                    on: broker) == 1
                }
                #expect(finished)
                #expect(try await broker.asyncChain(links, unique: "nightly") != chain)
            }
        }
    }

    @Test func aUniqueIterIsOneUntilEveryTaskOfItHasFinished() async throws {
        try await TestDatabase.withBroker { broker async throws in
            let iter = try await broker.asyncIter("baton.sleep", [[300], [300]], unique: "thumbnails", uniqueFor: .seconds(60))
            #expect(try await broker.asyncIter("baton.echo", [[1]], unique: "thumbnails") == iter)
            try await withCluster(broker) {
                let results = try await broker.resultIter(iter, wait: .seconds(10))
                #expect(results == [300, 300])
                // Finished, and held for its minute.
                #expect(try await broker.asyncIter("baton.echo", [[1]], unique: "thumbnails") == iter)
            }
            let held = try await count("SELECT count(*) FROM baton.unique_keys WHERE kind = 'group' AND id = $1", iter,
                                       on: broker)
            #expect(held == 1)
        }
    }

    @Test func badUniqueOptionsAreRefusedAndNothingIsEnqueued() async throws {
        try await TestDatabase.withBroker { broker async throws in
            let cases: [(String?, Duration?, Bool, String)] = [
                ("", nil, false, "1 to 500 characters"), (String(repeating: "k", count: 501), nil, false, "1 to 500"),
                (nil, .seconds(5), false, "given with a unique key"), ("k", .zero, false, "positive"),
                ("k", nil, true, "sync: true"),
            ]
            for (key, period, sync, says) in cases {
                let error = await #expect(throws: BatonError.self) {
                    try await broker.asyncTask("baton.echo", sync: sync, unique: key, uniqueFor: period)
                }
                #expect(error?.message.contains(says) == true, "\(String(describing: error))")
            }
            let sqlError = await #expect(throws: PostgresError.self) {
                try await broker.pool.withConnection { connection in
                    _ = try await connection.query("SELECT baton.async_task('baton.echo', unique_for => '1 hour')")
                }
            }
            #expect(sqlError?.code == .batonInvalidInput)
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 0)
        }
    }
}
