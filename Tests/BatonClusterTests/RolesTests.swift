import BatonCluster
import Foundation
import Testing
import TestSupport

/// Baton's roles, each tried by a login role that has it and nothing else: what it can and
/// cannot do.
@Suite struct RolesTests {
    /// Runs `body` as a new login role that is a member of `role`; the login is dropped afterwards.
    func asMemberOf(_ role: String, of broker: Broker, _ body: (Broker) async throws -> Void) async throws {
        let login = TestDatabase.uniqueName(role)
        try await broker.pool.withConnection { try await $0.execute(script: "CREATE ROLE \(login) LOGIN IN ROLE \(role)") }
        do {
            try await Broker.with(configuration: broker.configuration.with(user: login), registry: testRegistry, body)
        } catch {
            try? await broker.pool.withConnection { try await $0.execute(script: "DROP ROLE \(login)") }
            throw error
        }
        try await broker.pool.withConnection { try await $0.execute(script: "DROP ROLE \(login)") }
    }

    func expectRefused(_ broker: Broker, _ sql: String, _ comment: Comment) async {
        let error = await #expect(throws: PostgresError.self, comment) {
            try await broker.pool.withConnection { try await $0.execute(script: sql) }
        }
        #expect(error?.code == .insufficientPrivilege, comment)
    }

    @Test func theEnqueueRoleEnqueuesAndNothingElse() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = try await broker.asyncChain([ChainLink("baton.echo", 1), ChainLink("baton.echo", 2)], group: "owned")
            try await asMemberOf("baton_enqueue", of: broker) { enqueuer in
                try await enqueuer.asyncTask("baton.echo", args: [1])
                try await enqueuer.asyncTask("baton.echo", args: [2], group: "joined")
                // Without COPY (the row policy binds the role): one INSERT, each task's own options kept.
                try await enqueuer.asyncTasks(
                    [TaskCall("baton.echo", 3, options: LinkOptions(priority: 3, hook: "h", taskName: "by the role")),
                     TaskCall("baton.echo", 4)], group: "bulk", save: false)
                try await enqueuer.asyncChain([ChainLink("baton.echo", 5)])
                try await enqueuer.pool.withConnection { connection in
                    try await connection.execute("SELECT baton.async_task('baton.echo', '[6]')")
                    try await connection.execute("SELECT baton.async_tasks('[[\"baton.echo\", [7]]]')")
                    try await connection.execute("SELECT baton.schedule('by the role', 'baton.echo', next_run => 'infinity')")
                }
                try await enqueuer.schedule("baton.echo", name: "from swift", type: .daily, nextRun: .distantFuture)
                await expectRefused(enqueuer, "SELECT baton.steer_schedule('by the role', true)", "pausing a schedule")
                await expectRefused(enqueuer, "SELECT baton.run_schedule_now('by the role')", "running a schedule now")
                await expectRefused(enqueuer, "SELECT * FROM baton.fire_schedules('me')", "firing schedules")
                await expectRefused(enqueuer, "SELECT args FROM baton.tasks", "reading the queue's arguments")
                await expectRefused(enqueuer, "SELECT * FROM baton.results", "reading results")
                await expectRefused(enqueuer, """
                    INSERT INTO baton.tasks (id, name, func, state, attempts, lease_owner, lease_expires_at)
                    VALUES (gen_random_uuid(), 'x', 'baton.echo', 'running', 1, 'someone', now() + interval '1 hour')
                    """, "a task leased to another worker")
                await expectRefused(enqueuer, """
                    INSERT INTO baton.tasks (id, name, func, group_id, chain_position, state)
                    VALUES (gen_random_uuid(), 'x', 'baton.echo', '\(chain)', 2, 'waiting')
                    """, "a link in someone else's chain")
                await expectRefused(enqueuer, """
                    INSERT INTO baton.tasks (id, name, func, group_id) VALUES (gen_random_uuid(), 'x', 'baton.echo', '\(chain)')
                    """, "a task in someone else's chain")
                await expectRefused(enqueuer, "SELECT baton.claim_tasks('{baton.echo}', 10, 'me', '1 hour')", "claiming")
                await expectRefused(enqueuer, "DELETE FROM baton.tasks", "deleting")
            }
            let queued = try await count("SELECT count(*) FROM baton.tasks WHERE state = 'queued' AND attempts = 0", on: broker)
            #expect(queued == 8, "every enqueue of the role's arrived, the owner's chain untouched (1 queued, 1 waiting)")
            let bulk = try await count(
                "SELECT count(*) FROM baton.tasks WHERE name = 'by the role' AND priority = 3 AND hook = 'h' AND NOT save",
                on: broker)
            #expect(bulk == 1)
        }
    }

    @Test func theWorkerRoleRunsAClusterAndReadsNothing() async throws {
        try await TestDatabase.withBroker { broker in
            let ids = try await broker.asyncTasks((0..<20).map { TaskCall("baton.echo", .int($0)) })
            let chain = try await broker.asyncChain([ChainLink("baton.fail", "no"), ChainLink("baton.echo", 1)])
            let retried = try await broker.asyncTask("baton.fail", args: ["again"], maxAttempts: 2, retryDelay: .milliseconds(10))
            try await asMemberOf("baton_worker", of: broker) { worker in
                try await withCluster(worker) {
                    let done = try await waitUntil(.seconds(15)) {
                        try await count("SELECT count(*) FROM baton.results", on: broker) == 23
                    }
                    #expect(done, "the cluster ran everything as baton_worker")
                }
                await expectRefused(worker, "SELECT * FROM baton.results", "reading results")
                let figures = try await worker.pool.withConnection {
                    try await $0.query("SELECT count(*) FROM baton.shared_metrics('0 seconds')")[0].decode(0, as: Int.self)
                }
                #expect(figures > 0, "a cluster's /metrics reads the whole queue's figures")
                await expectRefused(worker, "DELETE FROM baton.metrics_reading", "writing the figures' reading")
                await expectRefused(worker, "SELECT args FROM baton.tasks", "reading the queue")
                await expectRefused(worker, "SELECT baton.async_task('baton.echo', '[1]')", "enqueueing")
                await expectRefused(worker, "UPDATE baton.tasks SET attempts = 0", "writing the queue")
                await expectRefused(worker, "SELECT baton.pause_queue('default')", "pausing a queue")
                await expectRefused(worker, "SELECT baton.limit_queue('default', 0)", "limiting a queue")
                await expectRefused(worker, "SELECT baton.schedule('w', 'baton.echo')", "making a schedule")
                let fired = try await worker.pool.withConnection { try await worker.worker.fireSchedules(owner: "w", on: $0) }
                #expect(fired.fired == 0, "the worker role fires schedules")
            }
            #expect(try await broker.result(ids[19]) == [19])
            #expect(try await broker.fetch(retried)?.attempts == 2)
            #expect(try await broker.fetchGroup(chain)?.last?.error == "cancelled: link 0 (baton.fail) failed")
            let clusters = try await count("SELECT count(*) FROM baton.clusters", on: broker)
            #expect(clusters == 0, "the cluster left baton.clusters when it stopped")
        }
    }

    @Test func theReadRoleReadsResultsAndChangesNothing() async throws {
        try await TestDatabase.withBroker { broker in
            let id = try await broker.asyncTask("baton.echo", args: ["report"], sync: true)
            try await broker.asyncTask("baton.echo", args: ["queued"])
            try await asMemberOf("baton_read", of: broker) { reader in
                #expect(try await reader.result(id) == ["report"])
                let seen = try await reader.pool.withConnection { connection in
                    try await connection.query("""
                        SELECT (SELECT count(*) FROM baton.tasks) + (SELECT count(*) FROM baton.all_results)
                             + (SELECT count(*) FROM baton.function_stats) + (SELECT count(*) FROM baton.queue_status)
                             + (SELECT count(*) FROM baton.queues)
                        """)[0].decode(0, as: Int.self)
                }
                #expect(seen == 4)
                // The whole queue's figures, as /metrics reads them: the reading shared by every
                // process is stored by the function, not by the role.
                let queued = try await reader.pool.withConnection { connection in
                    try await connection.query("""
                        SELECT value FROM baton.shared_metrics() WHERE metric = 'queue_tasks' AND state = 'queued'
                        """)[0].decode(0, as: Double.self)
                }
                #expect(queued == 1)
                await expectRefused(reader, "UPDATE baton.metrics_reading SET read_at = now()", "writing the figures' reading")
                await expectRefused(reader, "SELECT * FROM baton.metrics_reading", "reading the stored figures around the function")
                #expect(try await reader.queues().map(\.name) == ["default"])
                await expectRefused(reader, "SELECT baton.resume_queue('default')", "steering a queue")
                await expectRefused(reader, "SELECT baton.async_task('baton.echo', '[1]')", "enqueueing")
                await expectRefused(reader, "INSERT INTO baton.tasks (id, name, func) VALUES (gen_random_uuid(), 'x', 'baton.echo')", "inserting")
                await expectRefused(reader, "SELECT baton.claim_tasks('{baton.echo}', 10, 'me', '1 hour')", "claiming")
                await expectRefused(reader, "DELETE FROM baton.results", "deleting history")
            }
        }
    }

    @Test func noFunctionOfBatonIsOpenToEveryRole() async throws {
        try await TestDatabase.withBroker { broker in
            let open = try await broker.pool.withConnection { connection in
                try await connection.query("""
                    SELECT coalesce(string_agg(p.oid::regprocedure::text, ', '), '') FROM pg_proc AS p
                    WHERE p.pronamespace = 'baton'::regnamespace
                      AND (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) WHERE grantee = 0))
                    """)[0].decode(0, as: String.self)
            }
            #expect(open == "", "functions PUBLIC may execute: \(open)")
        }
    }
}
