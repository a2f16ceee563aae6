import BatonCluster
import Foundation
import Synchronization
import Testing
import TestSupport

/// Cancellation and retry by hand: cancelled tasks are recorded as cancelled (not failed),
/// running ones are stopped by their cluster within moments, waiters return; a failed or
/// cancelled task runs again with its history.
@Suite struct CancelTests {
    /// What the test functions saw: starts by key, cancellations, and flaky calls so far.
    final class Seen: Sendable {
        let state = Mutex<(starts: [String: Int], cancelledAt: [String: ContinuousClock.Instant], calls: [String: Int])>(
            ([:], [:], [:]))

        func starts(_ key: String) -> Int { state.withLock { $0.starts[key] ?? 0 } }
        func cancelledAt(_ key: String) -> ContinuousClock.Instant? { state.withLock { $0.cancelledAt[key] } }
    }

    /// `test.wait` sleeps until cancelled (at most a minute); `test.flaky` fails its first call
    /// for a key; `test.cancelled` answers whether it runs cancelled.
    static func registry(_ seen: Seen) -> TaskRegistry {
        var registry = TaskRegistry.stock
        try! registry.register("test.wait") { (key: String) -> String in
            seen.state.withLock { $0.starts[key, default: 0] += 1 }
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                seen.state.withLock { $0.cancelledAt[key] = .now }
                throw error
            }
            return key
        }
        try! registry.register("test.cancelled") { (key: String) -> Bool in Task.isCancelled }
        try! registry.register("test.flaky") { (key: String) -> String in
            let call = seen.state.withLock { state in
                state.calls[key, default: 0] += 1
                return state.calls[key]!
            }
            if call == 1 { throw TaskFailure("first call of \(key) fails") }
            return key
        }
        return registry
    }

    @Test func aQueuedTaskIsRecordedAsCancelledAndItsWaiterReturns() async throws {
        try await TestDatabase.withBroker { broker in
            let id = try await broker.asyncTask("baton.echo", args: [1])
            let waiter = Task { try await broker.fetch(id, wait: .seconds(20)) }
            try await Task.sleep(for: .milliseconds(100))
            let asked = ContinuousClock.now
            #expect(try await broker.cancel(id, reason: "not wanted") == 1)
            let record = try #require(try await waiter.value)
            #expect(ContinuousClock.now - asked < .seconds(2), "the waiter returned on the cancel's notification")
            #expect(record.cancelled && !record.success && record.error == "not wanted" && record.worker == nil)
            #expect(try await broker.cancel(id) == 0, "nothing unfinished to cancel")
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 0)
            let stats = try await count("SELECT failures FROM baton.function_stats WHERE func = 'baton.echo'", on: broker)
            #expect(stats == 0, "a cancelled task is no failure of its function")
        }
    }

    @Test func aRunningTaskIsStoppedByItsClusterAtOnce() async throws {
        let seen = Seen()
        try await TestDatabase.withBroker { broker in
            try await withCluster(broker, registry: Self.registry(seen), configuration: ClusterConfiguration(workers: 1)) {
                let id = try await broker.asyncTask("test.wait", args: ["long"])
                let started = try await waitUntil { seen.starts("long") == 1 }
                #expect(started)
                let asked = ContinuousClock.now
                #expect(try await broker.cancel(id) == 1)
                let stopped = try await waitUntil(.seconds(5)) { seen.cancelledAt("long") != nil }
                let latency = try #require(seen.cancelledAt("long")) - asked
                // Only the notification cancels a running function (no other path does): the bound is for a loaded machine.
                #expect(stopped && latency < .seconds(5), "the function saw its cancellation \(latency) after the cancel")
                print("cancel of a running task: its function saw Swift cancellation \(latency) after the cancel")
                let record = try #require(try await broker.fetch(id))
                #expect(record.cancelled && record.worker?.isEmpty == false, "recorded with the cluster that ran it")
                // The cluster goes on: its one worker, the one that ran it, takes the next tasks, in
                // a Swift task of their own (Shift): they do not run cancelled.
                let next = try await broker.asyncTasks([TaskCall("baton.echo", 2), TaskCall("test.cancelled", "after")])
                #expect(try await broker.result(next[0], wait: .seconds(10)) == [2])
                #expect(try await broker.result(next[1], wait: .seconds(10)) == false, "the next task does not run cancelled")
                let runs = try await count("SELECT count(*) FROM baton.results WHERE id = $1", id, on: broker)
                #expect(runs == 1, "one record: the cancel's, nothing after it")
            }
        }
    }

    /// Tasks claimed ahead of a free worker and cancelled never start.
    @Test func cancelledTasksNotStartedNeverStart() async throws {
        let seen = Seen()
        try await TestDatabase.withBroker { broker in
            try await withCluster(broker, registry: Self.registry(seen), configuration: ClusterConfiguration(workers: 1)) {
                // Short tasks first: the cluster learns to claim ahead of its worker (`Prefetch`).
                let warm = try await broker.asyncTasks((0..<20).map { TaskCall("baton.echo", .int($0)) })
                _ = try await broker.fetch(warm[19], wait: .seconds(10))
                let busy = try await broker.asyncTask("test.wait", args: ["busy"])
                let started = try await waitUntil { seen.starts("busy") == 1 }
                let queued = try await broker.asyncTasks((0..<5).map { TaskCall("test.wait", .string("queued-\($0)")) })
                // Claimed into the local queue behind the busy worker.
                let claimed = try await waitUntil {
                    try await count("SELECT count(*) FROM baton.tasks WHERE state = 'running'", on: broker) == 6
                }
                #expect(started && claimed)
                for id in queued { #expect(try await broker.cancel(id) == 1) }
                try await Task.sleep(for: .milliseconds(300))
                #expect(try await broker.cancel(busy) == 1)
                let idle = try await waitUntil { seen.cancelledAt("busy") != nil }
                try await Task.sleep(for: .milliseconds(300))
                #expect(idle && (0..<5).allSatisfy { seen.starts("queued-\($0)") == 0 }, "none of the cancelled ones started")
            }
        }
    }

    @Test func cancellingAChainOrOneOfItsLinksCancelsWhatFollows() async throws {
        let seen = Seen()
        try await TestDatabase.withBroker { broker in
            try await withCluster(broker, registry: Self.registry(seen)) {
                let whole = try await broker.asyncChain(
                    [ChainLink("test.wait", "chain-0"), ChainLink("baton.echo", 1), ChainLink("baton.echo", 2)])
                let waiter = Task { try await broker.fetchGroup(whole, failures: true, wait: .seconds(20), count: 3) }
                let running = try await waitUntil { seen.starts("chain-0") == 1 }
                #expect(running)
                #expect(try await broker.cancelGroup(whole) == 3)
                let records = try #require(try await waiter.value)
                #expect(records.count == 3 && records.allSatisfy(\.cancelled), "\(records.map(\.error))")
                let state = try await broker.pool.withConnection { connection in
                    try await connection.query("SELECT state FROM baton.chain_status WHERE group_id = $1", [whole])[0]
                        .decode(0, as: String.self)
                }
                #expect(state == "cancelled")

                // A link waiting behind a running one: it and the ones after it.
                let part = try await broker.asyncChain(
                    [ChainLink("baton.sleep", 300), ChainLink("baton.echo", 1), ChainLink("baton.echo", 2)])
                let link1 = try await broker.pool.withConnection { connection in
                    try await connection.query("SELECT id FROM baton.tasks WHERE group_id = $1 AND chain_position = 1",
                                               [part])[0].decode(0, as: UUID.self)
                }
                #expect(try await broker.cancel(link1) == 2)
                let ended = try #require(try await broker.fetchGroup(part, failures: true, wait: .seconds(10), count: 3))
                #expect(ended.map(\.cancelled) == [false, true, true] && ended[0].success)
                let finished = try await waitUntil {
                    try await count("SELECT count(*) FROM baton.groups WHERE id = $1 AND finished_at IS NOT NULL", part,
                                    on: broker) == 1
                }
                #expect(finished)
            }
        }
    }

    @Test func aFailedOrCancelledTaskRunsAgainWithItsHistory() async throws {
        let seen = Seen()
        try await TestDatabase.withBroker { broker in
            try await withCluster(broker, registry: Self.registry(seen)) {
                let failed = try await broker.asyncTask("test.flaky", args: ["once"])
                let first = try #require(try await broker.fetch(failed, wait: .seconds(10)))
                #expect(!first.success && first.attempts == 1)
                #expect(try await broker.retry(failed) == [failed])
                let second = try #require(try await waitUntil { try await broker.fetch(failed)?.success == true }
                    ? try await broker.fetch(failed) : nil)
                #expect(second.attempts == 2 && second.errors == ["first call of once fails"], "\(second.errors)")

                // A chain stopped by its failed link runs again from it.
                let chain = try await broker.asyncChain([ChainLink("test.flaky", "link"), ChainLink("baton.echo", 2)])
                let stopped = try #require(try await broker.fetchGroup(chain, failures: true, wait: .seconds(10), count: 2))
                #expect(!stopped[0].success && stopped[1].cancelled)
                let again = try await broker.retryGroup(chain)
                #expect(again.count == 2 && again[0] == stopped[0].id)
                let results = try await broker.resultGroup(chain, wait: .seconds(10), count: 2)
                #expect(results == ["link", [2]])
            }
            let succeeded = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT id FROM baton.results WHERE success LIMIT 1")[0].decode(0, as: UUID.self)
            }
            for id in [succeeded, UUID()] {
                let error = await #expect(throws: BatonError.self) { try await broker.retry(id) }
                #expect(error?.message.contains("succeeded") == true || error?.message.contains("is not known") == true)
            }
        }
    }
}
