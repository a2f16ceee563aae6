import BatonCluster
import Foundation
import Synchronization
import Testing
import TestSupport

/// What gets an idle cluster to look for work: the wake-ups sent after one-per-call
/// enqueues (shared by concurrent callers, at least a millisecond apart, never missing the
/// last enqueue), and a retry's backoff running out.
@Suite struct WakeupTests {
    @Test func concurrentEnqueuesShareWakeupsAndIdleWorkersStillGetEveryTask() async throws {
        try await TestDatabase.withBroker { broker in
            let listener = try await Connection.connect(broker.pool.configuration)
            // A long idle check: only wake-ups can start the work quickly.
            let configuration = ClusterConfiguration(workers: 2, idleCheckInterval: .seconds(60))
            let (wakeups, elapsed, results) = try await withCluster(broker, configuration: configuration) {
                try await listener.listen(on: "baton") { notifications in
                    let started = ContinuousClock.now
                    try await withThrowingTaskGroup(of: Void.self) { callers in
                        for caller in 0..<4 {
                            callers.addTask {
                                for call in 0..<100 {
                                    try await broker.asyncTask("baton.echo", args: [.int(caller * 100 + call)], group: "burst")
                                }
                            }
                        }
                        try await callers.waitForAll()
                    }
                    let results = try await broker.resultGroup("burst", wait: .seconds(20), count: 400)
                    // Every wake-up is sent within milliseconds of its request; a marker sent
                    // well after them arrives after them all.
                    try await Task.sleep(for: .milliseconds(100))
                    try await broker.pool.withConnection { try await $0.notify("baton", payload: "marker") }
                    var wakeups = 0
                    var lastWakeup = started
                    for try await notification in notifications {
                        if notification.payload == "marker" { break }
                        if notification.payload == "queued" {
                            wakeups += 1
                            lastWakeup = .now
                        }
                    }
                    return (wakeups, lastWakeup - started, results)
                }
            }
            #expect(results?.count == 400, "every task ran although the workers look for work only when woken")
            #expect(wakeups >= 1)
            #expect(wakeups < 400, "400 enqueues shared \(wakeups) wake-ups")
            // Wake-ups start at least 1 ms apart, so no more fit in the time they took.
            let bound = Int(elapsed / .milliseconds(1)) + 1
            #expect(wakeups <= bound, "\(wakeups) wake-ups in \(elapsed)")

            // Once the burst is over, a lone enqueue is woken for at once.
            let woken = try await withCluster(broker, configuration: configuration) {
                try await Task.sleep(for: .milliseconds(200))
                let id = try await broker.asyncTask("math.floor", args: [.double(7.5)])
                return try await broker.result(id, wait: .seconds(20)) == .int(7)
            }
            #expect(woken, "a lone task's wake-up reached the idle workers")
        }
    }

    @Test func anIdleClusterRunsARetryWhenItsBackoffIsDueWithoutANotification() async throws {
        try await TestDatabase.withBroker { broker in
            let calls = Mutex(0)
            var registry = TaskRegistry.stock
            try registry.register("test.flaky") { (value: Int) in
                guard calls.withLock({ calls in
                    calls += 1
                    return calls
                }) > 1 else {
                    // Long enough for the fetcher to have looked for delayed tasks and found none.
                    try await Task.sleep(for: .milliseconds(100))
                    throw TaskFailure("the first attempt fails")
                }
                return value
            }
            // A retry queued again sends no notification, and the idle check is a minute away.
            let configuration = ClusterConfiguration(workers: 2, lease: .seconds(120), idleCheckInterval: .seconds(60))
            let record = try await withCluster(broker, registry: registry, configuration: configuration) {
                let id = try await broker.asyncTask(
                    "test.flaky", args: [.int(5)], maxAttempts: 2, retryDelay: .milliseconds(200))
                return try await broker.fetch(id, wait: .seconds(10))
            }
            #expect(record?.result == .int(5), "the retry ran within seconds of its backoff")
            #expect(record?.attempts == 2)
            #expect(record?.errors == ["the first attempt fails"])
        }
    }

    @Test func aTaskEnqueuedInATransactionWakesIdleWorkersWhenItCommits() async throws {
        try await TestDatabase.withBroker { broker in
            // Without news the workers would look again in 40 s (a third of the lease).
            let configuration = ClusterConfiguration(workers: 2, lease: .seconds(120), idleCheckInterval: .seconds(60))
            let value = try await withCluster(broker, configuration: configuration) {
                try await Task.sleep(for: .milliseconds(200))
                let id = try await broker.pool.transaction { tx in
                    try await broker.asyncTask("math.floor", args: [.double(3.5)], in: tx)
                }
                return try await broker.result(id, wait: .seconds(10))
            }
            #expect(value == .int(3), "the NOTIFY sent in the transaction woke the idle workers at its commit")
        }
    }
}
