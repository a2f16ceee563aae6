import BatonCluster
import Foundation
import Synchronization
import Testing
import TestSupport

/// Named queues: every enqueue form names one, a cluster serves the queues it is given with
/// workers of their own, and a queue can be paused and limited for every cluster at once.
@Suite struct QueueTests {
    /// How many calls of each key run at once, and the most at once so far.
    final class Overlap: Sendable {
        private let state = Mutex<(now: [String: Int], most: [String: Int])>(([:], [:]))

        func run(_ key: String, for duration: Duration) async throws {
            state.withLock { state in
                state.now[key, default: 0] += 1
                state.most[key] = max(state.most[key] ?? 0, state.now[key]!)
            }
            defer { state.withLock { $0.now[key]! -= 1 } }
            try await Task.sleep(for: duration)
        }

        func most(_ key: String) -> Int { state.withLock { $0.most[key] ?? 0 } }
    }

    /// The stock functions and `test.hold`: sleeps the milliseconds it is given, counted under its key.
    static func registry(_ overlap: Overlap) -> TaskRegistry {
        var registry = TaskRegistry.stock
        try! registry.register("test.hold") { (key: String, milliseconds: Int) in
            try await overlap.run(key, for: .milliseconds(milliseconds))
            return key
        }
        return registry
    }

    static func queues(of broker: Broker, _ table: String = "baton.tasks") async throws -> [String: Int] {
        try await broker.pool.withConnection { connection in
            var counts: [String: Int] = [:]
            for row in try await connection.query("SELECT queue, count(*)::integer FROM \(table) GROUP BY queue") {
                counts[try row.decode(0)] = try row.decode(1)
            }
            return counts
        }
    }

    @Test func everyEnqueueFormPutsItsTasksInTheQueueItNames() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.asyncTask("baton.echo", args: [1])
            try await broker.asyncTask("baton.echo", args: [2], queue: "mail")
            try await broker.asyncTask("baton.echo", args: [3], group: "g", queue: "mail")
            try await broker.asyncTasks(
                [TaskCall("baton.echo", 4), TaskCall("baton.echo", args: [5], options: LinkOptions(queue: "reports"))],
                queue: "mail")
            try await broker.asyncChain(
                [ChainLink("baton.echo", 6), ChainLink("baton.echo", args: [7], options: LinkOptions(queue: "reports"))],
                queue: "mail")
            try await broker.asyncIter("baton.echo", [[8], [9]], queue: "reports")
            try await broker.pool.withConnection { connection in
                _ = try await connection.query("SELECT baton.async_task('baton.echo', '[10]', queue => 'mail')")
                _ = try await connection.query("""
                    SELECT baton.async_tasks('[["baton.echo", [11], {}, {"queue": "reports"}], ["baton.echo", [12]]]',
                                             queue => 'mail')
                    """)
                _ = try await connection.query("""
                    SELECT baton.async_chain('[["baton.echo", [13]], ["baton.echo", [14], {}, {"queue": "reports"}]]')
                    """)
            }
            #expect(try await Self.queues(of: broker) == ["default": 2, "mail": 6, "reports": 6])
        }
    }

    @Test func aClusterRunsOnlyTheQueuesItServes() async throws {
        try await TestDatabase.withBroker { broker in
            _ = try await broker.asyncTasks((0..<20).map { TaskCall("baton.echo", .int($0)) }, queue: "mail")
            _ = try await broker.asyncTasks((0..<20).map { TaskCall("baton.echo", .int($0)) })
            try await withCluster(broker, configuration: ClusterConfiguration(queues: ["mail": 2])) {
                let drained = try await waitUntil { try await Self.queues(of: broker)["mail"] == nil }
                #expect(drained)
                let status = try await broker.queues()
                let unserved = status.first { $0.name == "default" }
                #expect(unserved?.queued == 20 && unserved?.workers == 0, "\(status)")
                let served = status.first { $0.name == "mail" }
                #expect(served?.workers == 2 && served?.clusters == 1, "\(status)")
            }
            #expect(try await Self.queues(of: broker, "baton.results") == ["mail": 20])
            #expect(try await broker.queueSize("default") == 20)
        }
    }

    /// A slow queue with one worker holds back none of a fast one's tasks.
    @Test func eachQueueHasWorkersOfItsOwn() async throws {
        let overlap = Overlap()
        try await TestDatabase.withBroker(registry: Self.registry(overlap)) { broker in
            _ = try await broker.asyncTasks((0..<8).map { _ in TaskCall("test.hold", "slow", 1000) }, queue: "slow")
            _ = try await broker.asyncTasks((0..<40).map { _ in TaskCall("test.hold", "fast", 1) }, queue: "fast")
            let configuration = ClusterConfiguration(queues: ["slow": 2, "fast": 1])
            try await withCluster(broker, registry: Self.registry(overlap), configuration: configuration) {
                let started = ContinuousClock.now
                let fastDone = try await waitUntil { try await Self.queues(of: broker)["fast"] == nil }
                let fastTook = ContinuousClock.now - started
                let slowLeft = try await Self.queues(of: broker)["slow", default: 0]
                // The slow queue takes 4 s (8 tasks of 1 s on 2 workers); 40 tasks of 1 ms need far less,
                // with room for a machine busy with other tests.
                #expect(fastDone && fastTook < .seconds(3), "the fast queue did not wait for the slow one: \(fastTook)")
                #expect(slowLeft > 0, "the slow queue is still at work")
                let allDone = try await waitUntil { try await Self.queues(of: broker).isEmpty }
                #expect(allDone)
            }
            #expect(overlap.most("slow") == 2)
            #expect(overlap.most("fast") == 1)
        }
    }

    @Test func aPausedQueueKeepsItsTasksUntilResumed() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.pauseQueue("mail")
            _ = try await broker.asyncTasks((0..<10).map { TaskCall("baton.echo", .int($0)) }, queue: "mail")
            try await withCluster(broker, configuration: ClusterConfiguration(queues: ["mail": 2, "default": 1])) {
                try await broker.asyncTask("baton.echo", args: [1])
                let ranDefault = try await waitUntil { try await count("SELECT count(*) FROM baton.results", on: broker) == 1 }
                #expect(ranDefault)
                try await Task.sleep(for: .milliseconds(300))
                let paused = try await broker.queues().first { $0.name == "mail" }
                #expect(paused?.paused == true && paused?.queued == 10, "\(String(describing: paused))")
                let resumed = ContinuousClock.now
                try await broker.resumeQueue("mail")
                let ranMail = try await waitUntil { try await count("SELECT count(*) FROM baton.results", on: broker) == 11 }
                #expect(ranMail)
                // Woken by the resume's notification, not the idle check (5 s).
                #expect(ContinuousClock.now - resumed < .seconds(3))
            }
            #expect(try await Self.queues(of: broker, "baton.results") == ["default": 1, "mail": 10])
        }
    }

    /// The limit counts every cluster's leases: two clusters of four workers each never run
    /// more than three of the queue's tasks at once, as they see it and as the database does.
    @Test func aRunningLimitHoldsAcrossClusters() async throws {
        let overlap = Overlap()
        try await TestDatabase.withBroker(registry: Self.registry(overlap)) { broker in
            try await broker.limitQueue("gated", running: 3)
            _ = try await broker.asyncTasks((0..<40).map { _ in TaskCall("test.hold", "gated", 40) }, queue: "gated")
            let configuration = ClusterConfiguration(queues: ["gated": 4])
            var mostLeased = 0
            try await withCluster(broker, registry: Self.registry(overlap), configuration: configuration) {
                try await withCluster(broker, registry: Self.registry(overlap), configuration: configuration) {
                    while try await Self.queues(of: broker)["gated"] != nil {
                        let leased = try await count(
                            "SELECT count(*) FROM baton.tasks WHERE queue = 'gated' AND lease_expires_at IS NOT NULL",
                            on: broker)
                        mostLeased = max(mostLeased, leased)
                        try await Task.sleep(for: .milliseconds(5))
                    }
                }
            }
            #expect(overlap.most("gated") == 3)
            #expect(mostLeased <= 3 && mostLeased > 0, "\(mostLeased)")
            #expect(try await count("SELECT count(*) FROM baton.results WHERE success", on: broker) == 40)
            // Lifting the limit: the next claim takes all the cluster has room for.
            try await broker.limitQueue("gated", running: nil)
            #expect(try await broker.queues().first { $0.name == "gated" }?.runningLimit == nil)
        }
    }

    /// A chain's next link in a queue this cluster does not serve is left queued there, for
    /// a cluster that does.
    @Test func aChainMovesAcrossQueues() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = try await broker.asyncChain(
                [ChainLink("baton.echo", 1), ChainLink("baton.echo", args: [2], options: LinkOptions(queue: "b"))],
                queue: "a")
            try await withCluster(broker, configuration: ClusterConfiguration(queues: ["a": 1])) {
                let handedOver = try await waitUntil { try await broker.queueSize("b") == 1 }
                let recorded = try await broker.countGroup(chain)
                #expect(handedOver && recorded == 1)
            }
            try await withCluster(broker, configuration: ClusterConfiguration(queues: ["b": 1])) {
                let results = try await broker.resultGroup(chain, wait: .seconds(10), count: 2)
                #expect(results?.count == 2)
            }
            let order = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT queue FROM baton.results WHERE group_id = $1 ORDER BY chain_position", [chain])
                    .map { try $0.decode(0, as: String.self) }
            }
            #expect(order == ["a", "b"])
        }
    }

    @Test func aDelayedTaskRunsAtItsTimeAndNotBefore() async throws {
        try await TestDatabase.withBroker { broker in
            try await withCluster(broker) {
                // Let the cluster go idle first: the wake-up must come from the due time.
                try await Task.sleep(for: .milliseconds(200))
                let delayed = try await broker.asyncTask("baton.echo", args: [1], delay: .milliseconds(2500))
                let at = try await broker.asyncTask("baton.echo", args: [2], runAt: Date().addingTimeInterval(2))
                let bySQL = try await broker.pool.withConnection { connection in
                    try await connection.query("SELECT baton.async_task('baton.echo', '[3]', run_at => now() + interval '2.2 s')")[0]
                        .decode(0, as: UUID.self)
                }
                try await Task.sleep(for: .milliseconds(300))
                let early = try await broker.fetch(delayed)
                #expect(early == nil)
                let status = try await broker.queues().first { $0.name == "default" }
                #expect(status?.delayed == 3, "\(String(describing: status))")
                for (id, least) in [(delayed, 2.5), (at, 1.9), (bySQL, 2.2)] {
                    let record = try await broker.fetch(id, wait: .seconds(6))
                    let waited = try #require(record?.startedAt).timeIntervalSince(record!.enqueuedAt)
                    #expect(waited >= least - 0.05 && waited < least + 1.5, "\(id): started after \(waited) s")
                }
            }
        }
    }

    @Test func badQueueNamesAreRefusedAndNothingIsEnqueued() async throws {
        try await TestDatabase.withBroker { broker in
            for name in ["", "a b", "<script>alert(1)</script>", "'; DROP TABLE baton.tasks; --", "ü", "\u{202E}x",
                         String(repeating: "q", count: 129)] {
                var errors: [BatonError?] = []
                errors.append(await #expect(throws: BatonError.self) { try await broker.asyncTask("baton.echo", queue: name) })
                errors.append(await #expect(throws: BatonError.self) {
                    try await broker.asyncTask("baton.echo", group: "g", queue: name)
                })
                errors.append(await #expect(throws: BatonError.self) {
                    try await broker.asyncTasks([TaskCall("baton.echo", args: [], options: LinkOptions(queue: name))])
                })
                errors.append(await #expect(throws: BatonError.self) {
                    try await broker.asyncChain([ChainLink("baton.echo", args: [], options: LinkOptions(queue: name))])
                })
                errors.append(await #expect(throws: BatonError.self) { try await broker.pauseQueue(name) })
                for error in errors {
                    #expect(error?.code == .invalidArgument && error?.message.contains("a queue's name") == true,
                            "\(String(describing: error))")
                    #expect((error?.message.utf8.count ?? 0) < 400)
                }
                // From SQL: Baton's invalid-input SQLSTATE and the same words.
                let sqlError = await #expect(throws: PostgresError.self) {
                    try await broker.pool.withConnection { connection in
                        _ = try await connection.query("SELECT baton.async_task('baton.echo', queue => $1)", [name])
                    }
                }
                #expect(sqlError?.code == .batonInvalidInput && sqlError?.message.contains("a queue's name") == true)
            }
            let (tasks, queues) = (
                try await count("SELECT count(*) FROM baton.tasks", on: broker),
                try await count("SELECT count(*) FROM baton.queues", on: broker))
            #expect(tasks == 0 && queues == 0)
            let cluster = Cluster(broker: broker, configuration: ClusterConfiguration(queues: ["no spaces": 1]))
            await #expect(throws: BatonError.self) { try await cluster.run() }
        }
    }

    /// The table checks, the last guard for rows written without the functions (0029's
    /// patterns): the same names pass and fail as through baton.check_queue.
    @Test func rowsWrittenDirectlyMeetTheQueueNameChecks() async throws {
        try await TestDatabase.withBroker { broker in
            let bad = ["", "a b", "<script>", "'; --", "ü", "\u{202E}x", String(repeating: "q", count: 129)]
            for name in bad {
                for statement in ["INSERT INTO baton.tasks (id, name, func, queue) VALUES (gen_random_uuid(), 'f', 'f', $1)",
                                  "INSERT INTO baton.queues (name) VALUES ($1)"] {
                    let error = await #expect(throws: PostgresError.self) {
                        _ = try await broker.pool.withConnection { try await $0.query(statement, [name]) }
                    }
                    #expect(error?.code == .checkViolation, "\(name.prefix(20)): \(statement.prefix(30))")
                }
            }
            for name in ["a.b:c-d_E9", String(repeating: "q", count: 128)] {
                _ = try await broker.pool.withConnection { connection in
                    try await connection.query(
                        "INSERT INTO baton.tasks (id, name, func, queue) VALUES (gen_random_uuid(), 'f', 'f', $1)", [name])
                    try await connection.query("INSERT INTO baton.queues (name) VALUES ($1)", [name])
                }
            }
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 2)
            #expect(try await count("SELECT count(*) FROM baton.queues", on: broker) == 2)
        }
    }

    @Test func aDelayAndATimeTogetherAreRefused() async throws {
        try await TestDatabase.withBroker { broker in
            let error = await #expect(throws: BatonError.self) {
                try await broker.asyncTask("baton.echo", runAt: Date(), delay: .seconds(1))
            }
            #expect(error?.message.contains("not both") == true)
            await #expect(throws: BatonError.self) { try await broker.asyncTask("baton.echo", delay: .seconds(-1)) }
            let tasks = try await count("SELECT count(*) FROM baton.tasks", on: broker)
            #expect(tasks == 0)
        }
    }
}
