import BatonCluster
import Foundation
import Testing
import TestSupport

/// Retention: finished results pruned by age and by count per function, in batches, one
/// process at a time, by the clusters or in SQL.
@Suite struct RetentionTests {
    /// Records `count` results of `function` that stopped `age` ago, all at the same moment.
    static func record(_ count: Int, of function: String, age: String, on broker: Broker) async throws {
        try await broker.pool.withConnection { connection in
            _ = try await connection.query("""
                INSERT INTO baton.results (id, name, func, args, kwargs, success, attempts, enqueued_at, stopped_at)
                SELECT baton.new_id(), $1, $1, jsonb_build_array(i), '{}', true, 1, now() - $3::interval,
                       now() - $3::interval
                FROM generate_series(1, $2::integer) AS i
                """, [function, count, age])
        }
    }

    static func prune(_ keep: String?, perFunction: Int?, on broker: Broker) async throws -> [Int] {
        try await broker.pool.withConnection { connection in
            var batches: [Int] = []
            while true {
                let deleted: Int = try await connection.query(
                    "SELECT baton.prune_results($1::interval, $2::integer, 1000)", [keep, perFunction])[0].decode(0)
                batches.append(deleted)
                if deleted < 1000 { return batches }
            }
        }
    }

    @Test func resultsOlderThanTheirKeepGoInBatches() async throws {
        try await TestDatabase.withBroker { broker in
            try await Self.record(2500, of: "old.one", age: "10 days", on: broker)
            try await Self.record(300, of: "new.one", age: "1 hour", on: broker)
            try await broker.pool.withConnection { connection in
                _ = try await connection.query("""
                    INSERT INTO baton.groups (id, kind, length, finished_at) VALUES
                        ('old chain', 'chain', 1, now() - interval '10 days'), ('new chain', 'chain', 1, now()),
                        ('open chain', 'chain', 1, NULL)
                    """)
            }
            #expect(try await Self.prune("7 days", perFunction: nil, on: broker) == [1000, 1000, 500])
            #expect(try await count("SELECT count(*) FROM baton.results", on: broker) == 300)
            let groups = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT id FROM baton.groups ORDER BY id").map { try $0.decode(0, as: String.self) }
            }
            #expect(groups == ["new chain", "open chain"])
        }
    }

    /// Each function keeps its newest results, exactly that many, even when a batch of
    /// completions gave them all the same stop time.
    @Test func eachFunctionKeepsItsNewestResults() async throws {
        try await TestDatabase.withBroker { broker in
            try await Self.record(1500, of: "busy", age: "1 minute", on: broker)
            try await Self.record(700, of: "busy", age: "1 second", on: broker)
            try await Self.record(10, of: "quiet", age: "1 day", on: broker)
            #expect(try await Self.prune(nil, perFunction: 1000, on: broker).reduce(0, +) == 1200)
            let kept = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT func, count(*)::integer FROM baton.results GROUP BY func ORDER BY func")
                    .map { "\(try $0.decode(0, as: String.self)) \(try $0.decode(1, as: Int.self))" }
            }
            #expect(kept == ["busy 1000", "quiet 10"])
            let newest = try await count(
                "SELECT count(*) FROM baton.results WHERE func = 'busy' AND stopped_at > now() - interval '30 seconds'",
                on: broker)
            #expect(newest == 700, "the newest were kept")
        }
    }

    @Test func oneProcessPrunesAtATime() async throws {
        try await TestDatabase.withBroker { broker in
            try await Self.record(50, of: "old.one", age: "10 days", on: broker)
            let holder = try await Connection.connect(broker.pool.configuration)
            try await holder.execute("BEGIN")
            let first: Int = try await holder.query("SELECT baton.prune_results('7 days')")[0].decode(0)
            #expect(first == 50)
            #expect(try await Self.prune("7 days", perFunction: nil, on: broker) == [0], "the other finds the lock taken")
            try await holder.execute("ROLLBACK")
            await holder.close()
            #expect(try await Self.prune("7 days", perFunction: nil, on: broker) == [50])
            let error = await #expect(throws: PostgresError.self) {
                try await broker.pool.withConnection { _ = try await $0.query("SELECT baton.prune_results('-1 day')") }
            }
            #expect(error?.code == .batonInvalidInput)
        }
    }

    @Test func aClusterPrunesWhatItIsToldToKeepNoLonger() async throws {
        try await TestDatabase.withBroker { broker in
            try await Self.record(1200, of: "old.one", age: "2 hours", on: broker)
            let configuration = ClusterConfiguration(workers: 2, keep: .seconds(3600), pruneInterval: .milliseconds(100))
            try await withCluster(broker, configuration: configuration) {
                let id = try await broker.asyncTask("baton.echo", args: [1])
                let pruned = try await waitUntil(.seconds(10)) {
                    try await count("SELECT count(*) FROM baton.results WHERE func = 'old.one'", on: broker) == 0
                }
                let kept = try await broker.result(id, wait: .seconds(10))
                #expect(pruned && kept == [1], "old results pruned, the new one kept")
            }
        }
    }
}
