import BatonCluster
import Foundation
import Synchronization
import Testing
import TestSupport

/// A task function that throws `TaskSnooze` runs again after its delay, its attempt not
/// counted as a failure.
@Suite struct SnoozeTests {
    /// Calls made so far, by key.
    final class Calls: Sendable {
        let counts = Mutex<[String: Int]>([:])
    }

    /// `test.later` snoozes for 300 ms the first `times` calls of a key, then returns the calls made.
    static func registry(_ calls: Calls) -> TaskRegistry {
        var registry = TaskRegistry.stock
        try! registry.register("test.later") { (key: String, times: Int) -> Int in
            let call = calls.counts.withLock { calls in
                calls[key, default: 0] += 1
                return calls[key]!
            }
            if call <= times { throw TaskSnooze(for: .milliseconds(300)) }
            return call
        }
        return registry
    }

    @Test func aSnoozedTaskRunsAgainAfterItsDelayWithoutUsingAnAttempt() async throws {
        let calls = Calls()
        let registry = Self.registry(calls)
        try await TestDatabase.withBroker(registry: registry) { broker in
            try await withCluster(broker, registry: registry) {
                let enqueued = Date()
                let id = try await broker.asyncTask("test.later", args: ["a", 3], maxAttempts: 1)
                let record = try #require(try await broker.fetch(id, wait: .seconds(15)))
                #expect(record.success && record.value == 4, "ran a fourth time: \(String(describing: record.error))")
                #expect(record.attempts == 1 && record.errors.isEmpty, "snoozes are no attempts, no failures")
                #expect(record.stoppedAt.timeIntervalSince(enqueued) >= 0.85, "three snoozes of 300 ms")
                let failures = try await count("SELECT coalesce(sum(failures), 0)::integer FROM baton.function_stats",
                                               on: broker)
                #expect(failures == 0)
            }
        }
    }

    @Test func aSnoozeInTheCallerWaitsAndRunsAgain() async throws {
        let calls = Calls()
        let registry = Self.registry(calls)
        try await TestDatabase.withBroker(registry: registry) { broker in
            let started = ContinuousClock.now
            let id = try await broker.asyncTask("test.later", args: ["sync", 1], sync: true)
            #expect(ContinuousClock.now - started >= .milliseconds(290))
            let record = try #require(try await broker.fetch(id))
            #expect(record.success && record.value == 2 && record.attempts == 1)
        }
    }
}
