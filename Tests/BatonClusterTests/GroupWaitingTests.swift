import BatonCluster
import Foundation
import Testing
import TestSupport

/// `resultGroup` and `fetchGroup` wait as django-q's do: with a count until the group has
/// that many results (bounded by `wait` when given), without one for a first result only.
@Suite struct GroupWaitingTests {
    @Test func aCountBlocksUntilTheGroupHasThatManyResults() async throws {
        try await TestDatabase.withBroker { broker in
            let group = TestDatabase.uniqueName("counted")
            for value in 1...2 { try await asyncTask("baton.echo", .int(value), group: group, broker: broker) }
            // No cluster yet: with count and no wait, django-q's result_group waits as long as it takes.
            let waiter = Task { try await resultGroup(group, count: 2, broker: broker) }
            let recorder = Task { try await fetchGroup(group, count: 2, broker: broker) }
            try await Task.sleep(for: .milliseconds(400))
            let (results, records) = try await withCluster(broker) { (try await waiter.value, try await recorder.value) }
            #expect(Set(try #require(results)) == [[1], [2]])
            #expect(try #require(records).count == 2)
        }
    }

    @Test func aBoundedWaitReturnsTheResultsFoundSoFar() async throws {
        try await TestDatabase.withBroker { broker in
            let group = TestDatabase.uniqueName("partial")
            try await asyncTask("baton.echo", 1, group: group, broker: broker)
            // A function no worker has: the group never reaches 2.
            try await asyncTask("nobody.has.this", 2, group: group, broker: broker)
            let (results, elapsed) = try await withCluster(broker) {
                #expect(try await resultGroup(group, wait: .seconds(10), broker: broker) == [[1]])
                let started = ContinuousClock.now
                let results = try await resultGroup(group, wait: 700, count: 2, broker: broker)
                return (results, ContinuousClock.now - started)
            }
            #expect(results == [[1]])
            #expect(elapsed >= .milliseconds(700), "waited \(elapsed) for the second result")
            #expect(elapsed < .seconds(5), "the wait bounds it: \(elapsed)")
        }
    }

    @Test func withoutACountWhatThereIsComesAtOnce() async throws {
        try await TestDatabase.withBroker { broker in
            let empty = try await resultGroup("nothing here", broker: broker)
            #expect(empty == nil)
            // A chain with one link done and one that no worker takes: its first result, at once.
            let chain = try await asyncChain([("baton.echo", [1]), ("nobody.has.this", [2])], broker: broker)
            let first = try await withCluster(broker) { try await resultGroup(chain, wait: .seconds(10), broker: broker) }
            let started = ContinuousClock.now
            #expect(try await resultGroup(chain, broker: broker) == [[1]])
            #expect(ContinuousClock.now - started < .seconds(1))
            #expect(first == [[1]])
        }
    }

    /// A group's name is case-sensitive, and so is its waiters' wake-up: a waiter on
    /// "Orders-2026" is woken by the notification, not by the check every 5 s.
    @Test func aWaiterOnAGroupWithCapitalsIsWokenByTheNotification() async throws {
        try await TestDatabase.withBroker { broker in
            let group = "Orders-2026 Ünïcode"
            try await asyncTask("baton.echo", 1, group: group, broker: broker)
            let waiter = Task { () -> ([JSONValue]?, ContinuousClock.Instant) in
                (try await resultGroup(group, count: 1, broker: broker), ContinuousClock.now)
            }
            try await Task.sleep(for: .milliseconds(300))
            let completed = try await broker.pool.withConnection { connection in
                let task = try #require(try await broker.worker.claim(
                    functions: ["baton.echo"], limit: 1, owner: "test", lease: .seconds(60), on: connection).first)
                _ = try await broker.worker.complete(task, outcome: .success([1]), owner: "test", on: connection)
                return ContinuousClock.now
            }
            let (results, woken) = try await waiter.value
            #expect(results == [[1]])
            #expect(woken - completed < .seconds(2), "woken \(woken - completed) after the commit")
        }
    }

    @Test func aCountOfFailuresOnlyGivesNilWithoutFailures() async throws {
        try await TestDatabase.withBroker { broker in
            let group = TestDatabase.uniqueName("failing")
            for _ in 0..<2 { try await asyncTask("baton.fail", "no", group: group, broker: broker) }
            let (results, withFailures) = try await withCluster(broker) {
                (try await resultGroup(group, wait: .seconds(10), count: 2, broker: broker),
                 try await resultGroup(group, failures: true, wait: .seconds(10), count: 2, broker: broker))
            }
            #expect(results == nil, "django-q leaves failures out and gives None for an empty list")
            #expect(withFailures == ["no", "no"])
        }
    }
}
