import BatonCluster
import Foundation
import Testing
import TestSupport

/// No single task, name or payload may stop a cluster or hold back other tasks.
@Suite struct HostileInputTests {
    @Test func aTaskTheClusterCannotReadFailsAloneAndItsClaimBatchRuns() async throws {
        try await TestDatabase.withBroker { broker in
            // Valid jsonb (PostgreSQL takes thousands of levels), deeper than the cluster's reader goes.
            let deep = try await broker.pool.withConnection { connection in
                try await connection.execute(
                    "SELECT baton.async_task('math.floor', jsonb_build_array(n + 0.5)) FROM generate_series(1, 50) AS n")
                return try await connection.query(
                    "SELECT baton.async_task('baton.echo', ('[' || repeat('[', 600) || repeat(']', 600) || ']')::jsonb)"
                )[0].decode(0, as: UUID.self)
            }
            let configuration = ClusterConfiguration(workers: 4, lease: .seconds(3))
            try await withCluster(broker, configuration: configuration) {
                let done = try await waitUntil(.seconds(15)) {
                    try await count("SELECT count(*) FROM baton.results", on: broker) == 51
                }
                #expect(done, "every task of the batch was recorded")
            }
            // Read in SQL: the Swift reader refuses the same nesting in the record's args.
            let error = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT error FROM baton.results WHERE id = $1", deep)[0].decode(0, as: String?.self)
            }
            #expect(error?.hasPrefix("baton.echo: the task's arguments could not be read (") == true, "\(error ?? "")")
            #expect(error?.contains("nested more than 512 levels") == true)
            let floors = try await count("SELECT count(*) FROM baton.results WHERE func = 'math.floor' AND success", on: broker)
            #expect(floors == 50, "the rest of its batch ran")
            let left = try await count("SELECT count(*) FROM baton.tasks", on: broker)
            #expect(left == 0, "nothing stranded running")
        }
    }

    @Test func aGroupNameTooLongForANotificationIsRecordedAndWakesItsWaiter() async throws {
        try await TestDatabase.withBroker { broker in
            let group = String(repeating: "g", count: 9_000)
            // Sync: recorded by the caller, whose completion notifies (`baton.complete_tasks`).
            let id = try await broker.asyncTask("math.floor", args: [3.5], group: group, sync: true)
            #expect(try await broker.result(id) == 3)
            // A waiter hears the `all` that an event too long for a notification is sent as.
            let second = try await broker.asyncTask("math.floor", args: [4.5], group: group)
            let waiter = Task { try await broker.result(second, wait: .seconds(10)) }
            let value = try await withCluster(broker) { try await waiter.value }
            #expect(value == 4)
            #expect(try await broker.countGroup(group) == 2)
            let running = try await count("SELECT count(*) FROM baton.tasks", on: broker)
            #expect(running == 0)
        }
    }

    @Test func aLongGroupNamedTaskFailsAtItsFifthLostLeaseAndRescuesGoOn() async throws {
        try await TestDatabase.withBroker { broker in
            let group = "chain-" + String(repeating: "é\n'\"", count: 3_000)
            let chain = try await broker.asyncChain([ChainLink("baton.echo", 1), ChainLink("baton.echo", 2)], group: group)
            let other = try await broker.asyncTask("baton.echo", args: [3])
            try await broker.pool.withConnection { connection in
                _ = try await broker.worker.claim(
                    functions: ["baton.echo"], limit: 2, owner: "crashing", lease: .seconds(60), on: connection)
                // Its 5th lost lease, and another expired task behind it.
                try await connection.execute("""
                    UPDATE baton.tasks SET lost_leases = CASE WHEN group_id IS NULL THEN 0 ELSE 4 END,
                        lease_expires_at = now() - CASE WHEN group_id IS NULL THEN interval '1 second' ELSE interval '2 seconds' END
                    WHERE state = 'running'
                    """)
                let rescued = try await broker.worker.rescueExpiredLeases(on: connection)
                #expect(rescued.count == 2, "both rescued, the long-named one first")
            }
            let records = try #require(try await broker.fetchGroup(chain))
            try #require(records.count == 2)
            #expect(records[0].error?.contains("the lease was lost 5 times") == true)
            #expect(records[1].error == "cancelled: link 0 (baton.echo) failed")
            // The other task went back to the queue and a cluster runs it.
            let value = try await withCluster(broker) { try await broker.result(other, wait: .seconds(10)) }
            #expect(value == [3])
        }
    }
}
