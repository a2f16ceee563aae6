import BatonCluster
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

/// Baton behind PgBouncer 1.18 in transaction pooling mode (`scripts/pgbouncer`, which
/// `make test` starts): each transaction may get another server connection, so statements
/// go unprepared (`BATON_PREPARED_STATEMENTS=off`) and LISTEN needs a direct connection.
@Suite(.serialized, .enabled(if: pgBouncerURL != nil, "PgBouncer is not installed: run make test as root to install it"))
struct PgBouncerTests {
    static let url = pgBouncerURL

    /// The broker's database, through PgBouncer, with statements unprepared.
    static func throughPgBouncer(_ broker: Broker) throws -> ConnectionConfiguration {
        let database = String(broker.configuration.description.split(separator: "/").last!)
        var configuration = try ConnectionConfiguration(url!).with(database: database)
        configuration.preparedStatements = false
        return configuration
    }

    @Test func enqueueingFromSwiftAndSQLWorksThroughIt() async throws {
        try await TestDatabase.withBroker { broker in
            try await Broker.with(configuration: try Self.throughPgBouncer(broker), maxConnections: 8) { pooled in
                // Many callers at once, on more client connections than PgBouncer's 4 server connections.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for caller in 0..<16 {
                        group.addTask {
                            for step in 0..<10 { try await pooled.asyncTask("baton.echo", args: [.int(caller * 10 + step)]) }
                            try await pooled.asyncTask("baton.echo", args: [1], group: "g\(caller % 3)")
                            try await pooled.asyncTasks([TaskCall("baton.echo", 2), TaskCall("baton.echo", 3)])
                            try await pooled.asyncChain([ChainLink("baton.echo", 4), ChainLink("baton.echo", 5)])
                            try await pooled.pool.transaction { tx in
                                try await pooled.asyncTask("baton.echo", args: [6], in: tx)
                                try await tx.execute("SELECT baton.async_task('baton.echo', '[7]')")
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let queued = try await count("SELECT count(*) FROM baton.tasks", on: broker)
            #expect(queued == 16 * 17, "every enqueue arrived")
        }
    }

    @Test func aClusterRunsThroughItListeningOnADirectConnection() async throws {
        try await TestDatabase.withBroker { broker in
            let pooled = Broker(configuration: try Self.throughPgBouncer(broker), listening: .direct(broker.configuration))
            let chain = try await pooled.asyncChain((0..<5).map { ChainLink("baton.echo", .int($0)) })
            let ids = try await pooled.asyncTasks((0..<200).map { TaskCall("baton.echo", .int($0)) })
            let (last, drained) = try await withCluster(pooled) {
                // A waiter through PgBouncer, woken by the direct connection's LISTEN.
                let last = try await pooled.result(ids[199], wait: .seconds(20))
                let drained = try await waitUntil(.seconds(20)) {
                    try await count("SELECT count(*) FROM baton.results", on: broker) == 205
                }
                return (last, drained)
            }
            #expect(last == [199])
            #expect(drained, "every task and chain link ran")
            #expect(try await pooled.resultGroup(chain) == (0..<5).map { .array([.int($0)]) })
            await pooled.close()
        }
    }

    @Test func withoutADirectConnectionAClusterPollsAndSaysSo() async throws {
        try await TestDatabase.withBroker { broker in
            let pooled = Broker(configuration: try Self.throughPgBouncer(broker))
            guard case .polling(let interval) = pooled.listening else {
                Issue.record("unprepared statements and no BATON_LISTEN_URL should poll")
                return
            }
            #expect(interval == .seconds(1))
            let log = CapturedLog()
            let (value, elapsed) = try await withCluster(pooled, logger: Logger(label: "test") { _ in log }) {
                // Once the cluster is idle: from the enqueue to the result, with no notification
                // to wake the cluster or the waiter (their checks without news are 5 s apart).
                _ = try await waitUntil { log.messages.contains { $0.contains("not listening for notifications") } }
                try await Task.sleep(for: .milliseconds(500))
                let started = ContinuousClock.now
                let id = try await pooled.asyncTask("baton.echo", args: ["polled"])
                return (try await pooled.result(id, wait: .seconds(10)), ContinuousClock.now - started)
            }
            #expect(value == ["polled"])
            #expect(elapsed < .seconds(4), "found and seen by polling every second: \(elapsed)")
            #expect(log.messages.contains { $0.contains("not listening for notifications") && $0.contains("every 1.0 seconds") },
                    "\(log.messages)")
            await pooled.close()
        }
    }

    @Test func rescuesBehindItLeaveNoLockHeld() async throws {
        try await TestDatabase.withBroker { broker in
            // Two rescuers at once through PgBouncer: with a lock taken and released by separate
            // statements, the release would land on another server connection and the lock leak.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        try await Broker.with(configuration: try Self.throughPgBouncer(broker)) { pooled in
                            for _ in 0..<100 { _ = try await pooled.pool.withConnection { try await pooled.worker.rescueExpiredLeases(on: $0) } }
                        }
                    }
                }
                try await group.waitForAll()
            }
            let held = try await count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'", on: broker)
            #expect(held == 0, "no rescuer's lock outlives its transaction")
            // And a rescue still works through it.
            let id = try await broker.asyncTask("baton.echo", args: [1])
            try await broker.pool.withConnection { connection in
                _ = try await broker.worker.claim(functions: ["baton.echo"], limit: 1, owner: "gone", lease: .seconds(60), on: connection)
                try await connection.execute("UPDATE baton.tasks SET lease_expires_at = now() - interval '1 second'")
            }
            let rescued = try await Broker.with(configuration: try Self.throughPgBouncer(broker)) { pooled in
                try await pooled.pool.withConnection { try await pooled.worker.rescueExpiredLeases(on: $0) }
            }
            #expect(rescued == [id])
        }
    }
}

/// PgBouncer's URL, from `make test` (`scripts/pgbouncer url`); nil when it is not installed.
let pgBouncerURL = ProcessInfo.processInfo.environment["BATON_PGBOUNCER_URL"].flatMap { $0.isEmpty ? nil : $0 }
