@testable import BatonCluster
import Foundation
import Synchronization
import Testing
import TestSupport

/// The executor's time limits leave nothing behind once a task has finished.
@Suite struct ExecutorTests {
    @Test func aTaskThatFinishesCancelsItsTimer() async throws {
        try await TestDatabase.withBroker { broker in
            _ = try await broker.asyncTasks((0..<200).map { TaskCall("baton.echo", .int($0)) })
            let tasks = try await broker.pool.withConnection { connection in
                try await broker.worker.claim(
                    functions: ["baton.echo"], limit: 200, owner: "executor", lease: .seconds(60), on: connection)
            }
            #expect(tasks.count == 200)
            let clock = CountingClock()
            let executor = Executor(registry: .stock, timeout: .seconds(3600), abandonAfter: .seconds(1), clock: clock)
            for task in tasks {
                let (outcome, abandoned) = await executor.run(task)
                #expect(outcome.isSuccess && !abandoned)
            }
            // Each run slept on the clock until its task won (the last timer may begin its
            // sleep after its task has already won, on a busy machine); none may still be asleep.
            let allSlept = try await waitUntil(.seconds(5)) { clock.sleeps.total == 200 }
            #expect(allSlept, "\(clock.sleeps.total) timers of 200")
            let allWoken = try await waitUntil(.seconds(5)) { clock.sleeps.asleep == 0 }
            #expect(allWoken, "\(clock.sleeps.asleep) timers of finished tasks still sleeping")
        }
    }

    @Test func aTaskPastItsLimitIsCancelledAndReported() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.asyncTask("baton.sleep", args: [10_000], timeout: .milliseconds(100))
            let task = try #require(try await broker.pool.withConnection { connection in
                try await broker.worker.claim(
                    functions: ["baton.sleep"], limit: 1, owner: "executor", lease: .seconds(60), on: connection)
            }.first)
            let clock = CountingClock()
            let executor = Executor(registry: .stock, timeout: nil, abandonAfter: .seconds(1), clock: clock)
            let (outcome, abandoned) = await executor.run(task)
            #expect(outcome == .failure("baton.sleep: timed out after 0.1 s"))
            #expect(!abandoned)
        }
    }
}

/// The continuous clock, counting the sleeps begun on it and those not yet over.
struct CountingClock: Clock {
    final class Sleeps: Sendable {
        private let counts = Mutex((total: 0, asleep: 0))
        var total: Int { counts.withLock { $0.total } }
        var asleep: Int { counts.withLock { $0.asleep } }
        func begin() { counts.withLock { $0.total += 1; $0.asleep += 1 } }
        func end() { counts.withLock { $0.asleep -= 1 } }
    }

    let sleeps = Sleeps()
    var now: ContinuousClock.Instant { ContinuousClock.now }
    var minimumResolution: Duration { ContinuousClock().minimumResolution }

    func sleep(until deadline: ContinuousClock.Instant, tolerance: Duration?) async throws {
        sleeps.begin()
        defer { sleeps.end() }
        try await ContinuousClock().sleep(until: deadline, tolerance: tolerance)
    }
}
