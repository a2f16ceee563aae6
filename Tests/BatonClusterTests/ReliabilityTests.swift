import BatonCluster
import Foundation
import Testing
import TestSupport

@Suite struct ReliabilityTests {
    @Test func aTenMegabyteArgumentWorksAndOneOverTheMaximumIsRefused() async throws {
        try await TestDatabase.withBroker { broker in
            let big = String(repeating: "0123456789", count: 1_000_000)
            let id = try await broker.asyncTask("baton.echo", args: [.string(big)], sync: true)
            let value = try await broker.result(id)
            #expect(value == [.string(big)])

            let limited = Broker(configuration: broker.configuration, maxArgumentBytes: 1_000_000)
            let error = await #expect(throws: BatonError.self) {
                try await limited.asyncTask("baton.echo", args: [.string(big)])
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("over this broker's maximum of 1000000") == true)
            let chainError = await #expect(throws: BatonError.self) {
                try await limited.asyncChain([ChainLink("baton.echo", .string(big))])
            }
            #expect(chainError?.code == .invalidArgument)
            let queued = try await count("SELECT count(*) FROM baton.tasks", on: broker)
            #expect(queued == 0, "nothing was written")
            await limited.close()
        }
    }

    @Test func aCompletionAfterTheLeaseWasLostRecordsNothing() async throws {
        try await TestDatabase.withBroker { broker in
            let id = try await broker.asyncTask("baton.echo", args: [1])
            try await broker.pool.withConnection { connection in
                let task = try #require(try await broker.worker.claim(
                    functions: ["baton.echo"], limit: 1, owner: "slow-worker", lease: .seconds(60), on: connection).first)
                // The lease runs out while the worker is cut off; the rescuer puts the task back.
                try await connection.execute("UPDATE baton.tasks SET lease_expires_at = now() - interval '1 second'")
                let rescued = try await broker.worker.rescueExpiredLeases(on: connection)
                #expect(rescued == [id])
                // Another worker takes it and finishes it.
                let again = try #require(try await broker.worker.claim(
                    functions: ["baton.echo"], limit: 1, owner: "other-worker", lease: .seconds(60), on: connection).first)
                #expect(again.attempt == 1, "a lost lease does not use up an attempt")
                let recordedByOther = try await broker.worker.complete(again, outcome: .success("other"), owner: "other-worker", on: connection)
                #expect(recordedByOther)
                // The first worker comes back with its outcome: refused, nothing recorded twice.
                let recordedLate = try await broker.worker.complete(task, outcome: .success("late"), owner: "slow-worker", on: connection)
                #expect(!recordedLate)
            }
            let record = try #require(try await broker.fetch(id))
            #expect(record.result == "other")
            #expect(record.errors.count == 1)
            #expect(record.errors.first?.hasPrefix("the lease of slow-worker expired") == true)
            let results = try await count("SELECT count(*) FROM baton.results", on: broker)
            #expect(results == 1)
        }
    }

    @Test func theClustersDefaultTimeoutAppliesToTasksWithoutOne() async throws {
        try await TestDatabase.withBroker { broker in
            let (slow, quick) = try await withCluster(broker, configuration: ClusterConfiguration(timeout: .milliseconds(300))) {
                let slow = try await broker.asyncTask("baton.sleep", args: [5000])
                let quick = try await broker.asyncTask("baton.sleep", args: [10], timeout: .seconds(5))
                return (try await broker.fetch(slow, wait: .seconds(10)), try await broker.fetch(quick, wait: .seconds(10)))
            }
            #expect(slow?.error == "baton.sleep: timed out after 0.3 s")
            #expect(quick?.success == true, "a task's own timeout wins over the cluster's")
        }
    }

    @Test func onlyOneRescuerAtATime() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.asyncTask("baton.echo", args: [1])
            try await broker.pool.withConnection { first in
                _ = try await broker.worker.claim(functions: ["baton.echo"], limit: 1, owner: "gone", lease: .seconds(60), on: first)
                try await first.execute("UPDATE baton.tasks SET lease_expires_at = now() - interval '1 second'")
                try await first.transaction { tx in
                    // Another process is rescuing (its lock lasts for its transaction): this one does nothing.
                    _ = try await tx.query("SELECT pg_advisory_xact_lock($1)", Int64(0x6261_746F_6E72_6573))
                    let rescued = try await broker.pool.withConnection { try await broker.worker.rescueExpiredLeases(on: $0) }
                    #expect(rescued.isEmpty)
                }
                let rescued = try await broker.worker.rescueExpiredLeases(on: first)
                #expect(rescued.count == 1)
                let locks = try await first.query(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
                )[0].decode(0, as: Int.self)
                #expect(locks == 0, "the rescuer's lock ends with its transaction")
            }
        }
    }
}
