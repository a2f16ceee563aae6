import BatonCluster
import Foundation
import Testing
import TestSupport

/// `broker.worker.complete(_:owner:functions:lease:on:)`: many outcomes in one transaction keep
/// every guarantee of completing them one at a time.
@Suite struct BatchCompletionTests {
    let owner = "batch-test-owner"

    func claimAll(_ broker: Broker, functions: [String] = ["baton.echo", "baton.fail"]) async throws -> [ClaimedTask] {
        try await broker.pool.withConnection { connection in
            try await broker.worker.claim(functions: functions, limit: 100, owner: owner, lease: .seconds(30), on: connection)
        }
    }

    func complete(
        _ outcomes: [(task: ClaimedTask, outcome: TaskOutcome)], _ broker: Broker,
        functions: [String] = ["baton.echo", "baton.fail"]
    ) async throws -> CompletedBatch {
        try await broker.pool.withConnection { connection in
            try await broker.worker.complete(outcomes, owner: owner, functions: functions, lease: .seconds(30), on: connection)
        }
    }

    @Test func oneBatchRecordsRetriesHandsOffAndCancelsAsSingleCompletionsWould() async throws {
        try await TestDatabase.withBroker { broker in
            let plain = try await broker.asyncTask("baton.echo", args: [1])
            let cached = try await broker.asyncTask("baton.echo", args: [2], cached: true)
            let retried = try await broker.asyncTask("baton.fail", args: ["once"], maxAttempts: 2)
            let failed = try await broker.asyncTask("baton.fail", args: ["final"])
            let moving = try await broker.asyncChain([ChainLink("baton.echo", 1), ChainLink("baton.echo", 2)])
            let stopped = try await broker.asyncChain([ChainLink("baton.fail", "x"), ChainLink("baton.echo"), ChainLink("baton.echo")])
            let continuing = try await broker.asyncChain(
                [ChainLink("baton.fail", "x"), ChainLink("baton.echo", 3)], policy: .continue)
            let single = try await broker.asyncChain([ChainLink("baton.echo", 4)])
            let claimed = try await claimAll(broker)
            #expect(claimed.count == 8)
            let outcomes = claimed.map { task in
                (task: task, outcome: task.function == "baton.fail"
                    ? TaskOutcome.failure(task.id == retried ? "once" : task.id == failed ? "final" : "x")
                    : TaskOutcome.success(.array(task.args)))
            }
            let batch = try await complete(outcomes, broker)
            #expect(batch.lost.isEmpty)
            // The next links of the moving chain and of the chain that continues after a failure
            // are leased to the owner, to run at once.
            #expect(Set(batch.next.map(\.groupID)) == [moving, continuing])
            #expect(batch.next.allSatisfy { $0.chainPosition == 1 && $0.attempt == 1 })
            let finished = "SELECT count(*) FROM baton.groups WHERE id = $1 AND finished_at IS NOT NULL"
            #expect(try await count(finished, single, on: broker) == 1, "a chain whose last link finished has ended")
            #expect(try await count(finished, continuing, on: broker) == 0)
            #expect(try await count(finished, moving, on: broker) == 0)

            #expect(try await broker.result(plain) == .array([1]))
            #expect(try await count("SELECT count(*) FROM baton.cached_results WHERE id = $1", cached, on: broker) == 1)
            let retry = try await count(
                "SELECT count(*) FROM baton.tasks WHERE id = $1 AND state = 'queued' AND errors = '{once}'", retried,
                on: broker)
            #expect(retry == 1, "a failure with attempts left is queued again with its error")
            let final = try #require(try await broker.fetch(failed))
            #expect(final.success == false)
            #expect(final.errors == ["final"])
            let cancelled = try await count(
                "SELECT count(*) FROM baton.results WHERE group_id = $1 AND error LIKE 'cancelled: link 0%'", stopped,
                on: broker)
            #expect(cancelled == 2)
            #expect(try await count(finished, stopped, on: broker) == 1)
            #expect(try await count("SELECT count(*) FROM baton.tasks WHERE group_id = $1", stopped, on: broker) == 0)
        }
    }

    @Test func repeatingABatchAfterALostReplyRecordsNothingTwice() async throws {
        try await TestDatabase.withBroker { broker in
            _ = try await broker.asyncTasks(Array(repeating: TaskCall("baton.echo", 7), count: 50))
            let claimed = try await claimAll(broker)
            let outcomes = claimed.map { (task: $0, outcome: TaskOutcome.success(7)) }
            let first = try await complete(outcomes, broker)
            #expect(first.lost.isEmpty)
            let again = try await complete(outcomes, broker)
            #expect(Set(again.lost) == Set(claimed.map(\.id)))
            #expect(try await count("SELECT count(*) FROM baton.results", on: broker) == 50)
        }
    }

    @Test func aNextLinkOfAFunctionTheOwnerLacksIsQueuedForOthers() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = try await broker.asyncChain([ChainLink("baton.echo"), ChainLink("math.floor", 1.5)])
            let claimed = try await claimAll(broker, functions: ["baton.echo"])
            let batch = try await complete(claimed.map { ($0, .success(.null)) }, broker, functions: ["baton.echo"])
            #expect(batch.next.isEmpty)
            let queued = try await count(
                "SELECT count(*) FROM baton.tasks WHERE group_id = $1 AND state = 'queued' AND lease_owner IS NULL",
                chain, on: broker)
            #expect(queued == 1)
        }
    }

    @Test func aBatchsEventsComeBackUnsentAndAreSentByAnnounceAfterItsCommit() async throws {
        try await TestDatabase.withBroker { broker in
            let task = try await broker.asyncTask("baton.echo", args: [1])
            let chain = try await broker.asyncChain([ChainLink("baton.echo"), ChainLink("math.floor", 1.5)])
            let claimed = try await claimAll(broker, functions: ["baton.echo"])
            var batch = CompletedBatch()
            let duringCompletion = try await payloads(heardOn: broker) { _ in
                batch = try await complete(claimed.map { ($0, .success(.null)) }, broker, functions: ["baton.echo"])
            }
            #expect(duringCompletion.isEmpty, "the completion's transaction sent no NOTIFY")
            let events = try #require(batch.events)
            let link = try #require(claimed.first { $0.groupID == chain })
            // The chain's next link went to the queue, for a cluster that runs math.floor.
            #expect(Set(events.split(separator: "\n").map(String.init)) == [
                "done \(task.lowercasedText) ", "released \(link.id.lowercasedText) \(chain)",
            ])
            let announced = try await payloads(heardOn: broker) { try await broker.worker.announce(events, on: $0) }
            #expect(announced == [events])
        }
    }

    @Test func aCallWithTheDefaultNotifySendsItsEventsAtCommitAsBefore() async throws {
        try await TestDatabase.withBroker { broker in
            let task = try await broker.asyncTask("baton.echo", args: [1])
            let claimed = try await claimAll(broker)
            let outcomes = #"[{"id": "\#(claimed[0].id.lowercasedText)", "ok": true, "result": 1}]"#
            let heard = try await payloads(heardOn: broker) { _ in
                try await broker.pool.withConnection { connection in
                    let rows = try await connection.query(
                        "SELECT events FROM baton.complete_tasks($1, $2::jsonb, '{}', '1 minute')", owner, outcomes)
                    #expect(rows.count == 0, "events sent in the transaction do not come back")
                }
            }
            #expect(heard == ["done \(task.lowercasedText) "])
        }
    }

    @Test func aClusterRecordsThousandsOfTasksAndChainsExactlyOnceInOrder() async throws {
        try await TestDatabase.withBroker { broker in
            _ = try await broker.asyncTasks((0..<3000).map { TaskCall("baton.echo", .int($0)) })
            var chains: [String] = []
            for _ in 0..<50 {
                chains.append(try await broker.asyncChain((0..<6).map { ChainLink("baton.echo", .int($0)) }))
            }
            let configuration = ClusterConfiguration(workers: 4, prefetch: 64)
            try await withCluster(broker, configuration: configuration) {
                while try await count("SELECT count(*) FROM baton.tasks", on: broker) > 0 {
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            #expect(try await count("SELECT count(*) FROM baton.results", on: broker) == 3300)
            #expect(try await count("SELECT count(*) FROM baton.results WHERE NOT success", on: broker) == 0)
            let outOfOrder = try await count("""
                SELECT count(*) FROM baton.results AS next JOIN baton.results AS previous
                  ON previous.group_id = next.group_id AND previous.chain_position = next.chain_position - 1
                WHERE next.started_at < previous.stopped_at
                """, on: broker)
            #expect(outOfOrder == 0, "each link started after the one before it was recorded")
            for chain in chains.prefix(5) {
                let values = try await broker.resultGroup(chain)
                #expect(values == (0..<6).map { .array([.int($0)]) })
            }
        }
    }

    @Test func aHeartbeatSkipsTheLeasesOfTasksBeingCompletedInsteadOfWaiting() async throws {
        try await TestDatabase.withBroker { broker in
            _ = try await broker.asyncTasks(Array(repeating: TaskCall("baton.echo"), count: 3))
            let claimed = try await claimAll(broker)
            let completing = try await Connection.connect(broker.configuration)
            try await completing.transaction { tx in
                _ = try await tx.query("SELECT id FROM baton.tasks WHERE id = $1 FOR UPDATE", claimed[0].id)
                // Waiting for the lock would fail here after 2 s (and deadlock with a batch that waits on the heartbeat).
                let extended = try await broker.pool.withConnection { connection in
                    try await connection.execute(script: "SET lock_timeout = '2s'")
                    return try await connection.query(
                        "SELECT baton.cluster_heartbeat($1, 1, '{}', '30 seconds', $2)", owner, claimed.map(\.id)
                    )[0].decode(0, as: Int.self)
                }
                #expect(extended == 2)
            }
            await completing.close()
        }
    }
}
