import Baton
import Foundation
import Testing
import TestSupport

/// The fault-injection suite (`make test-faults`): kill clusters, stop them, restart the
/// database, exhaust retries, time tasks out. Afterwards the database must show every
/// chain complete, each link recorded exactly once, links in order. One at a time.
@Suite(.serialized) struct FaultTests {
    @Test func killNineMidRunThenASecondClusterFinishesEverything() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            try await fixture.enqueueChains("kill", count: 200, links: 5, function: "baton.sleep", argument: 50)
            let first = try fixture.worker(["--workers", "8", "--lease", "2"])
            let started = try await fixture.waitUntil {
                let finished = try await fixture.number("SELECT count(*) FROM baton.results")
                let running = try await fixture.number("SELECT count(*) FROM baton.tasks WHERE state = 'running'")
                return finished >= 150 && running >= 4
            }
            #expect(started)
            send(SIGKILL, to: first)
            let killed = ContinuousClock.now
            first.waitUntilExit()
            // A completion it sent before it died may still commit and lease its chains' next
            // links to it: the leases are counted once no other backend is mid-statement.
            _ = try await fixture.waitUntil(.seconds(5)) {
                try await fixture.number("""
                    SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
                      AND state IN ('active', 'idle in transaction')
                    """) == 0
            }
            let stranded = try await fixture.number("SELECT count(*) FROM baton.tasks WHERE state = 'running'")
            #expect(stranded > 0, "the killed cluster held leases")

            let second = try fixture.worker(["--workers", "8", "--lease", "2"])
            defer { send(SIGKILL, to: second) }
            let rescued = try await fixture.waitUntil {
                try await fixture.number("SELECT count(*) FROM baton.tasks WHERE lease_owner LIKE $1",
                                         "%:\(first.processIdentifier):%") == 0
            }
            let rescueTime = ContinuousClock.now - killed
            let finished = try await fixture.waitUntil(.seconds(50)) {
                try await fixture.number("SELECT count(*) FROM baton.groups WHERE finished_at IS NULL") == 0
            }
            #expect(rescued && finished)
            print("kill -9: \(stranded) leased tasks stranded; rescued \(rescueTime) after the kill (lease 2 s); "
                + "all done \(ContinuousClock.now - killed) after it")
            try await fixture.expectChainsComplete("kill", count: 200, links: 5)
            // A completion already sent when the cluster died may still commit: at most the
            // stranded tasks were rescued, and each says its lease expired.
            let rescuedTasks = try await fixture.number(
                "SELECT count(*) FROM baton.results WHERE errors[1] LIKE 'the lease of % expired%'")
            #expect(rescuedTasks <= stranded)
            print("kill -9: \(rescuedTasks) tasks ran again after their lease expired")
        }
    }

    @Test func sigtermUnderLoadFinishesRunningTasksAndExitsZero() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            try await fixture.enqueueChains("term", count: 40, links: 3, function: "baton.sleep", argument: 300)
            let cluster = try fixture.worker(["--workers", "4", "--grace", "5"])
            let busy = try await fixture.waitUntil {
                // Its 4 workers busy, and any task it holds beyond them leased too.
                try await fixture.number("SELECT count(*) FROM baton.tasks WHERE state = 'running'") >= 4
            }
            #expect(busy)
            send(SIGTERM, to: cluster)
            let signalled = ContinuousClock.now
            let exited = try await waitForExit(cluster, within: .seconds(7))
            let stopTime = ContinuousClock.now - signalled
            #expect(exited, "the cluster did not exit within its grace period")
            #expect(cluster.terminationStatus == 0)
            let running = try await fixture.number("SELECT count(*) FROM baton.tasks WHERE state = 'running'")
            #expect(running == 0, "nothing left running")
            let handedBack = try await fixture.number("SELECT count(*) FROM baton.results WHERE cardinality(errors) > 0")
            #expect(handedBack == 0, "running tasks finished rather than being cut off")
            print("SIGTERM: the cluster finished its running tasks and exited 0 after \(stopTime)")

            let second = try fixture.worker(["--workers", "8"])
            defer { send(SIGKILL, to: second) }
            let finished = try await fixture.waitUntil(.seconds(40)) {
                try await fixture.number("SELECT count(*) FROM baton.groups WHERE finished_at IS NULL") == 0
            }
            #expect(finished)
            try await fixture.expectChainsComplete("term", count: 40, links: 3)
        }
    }

    @Test func aSecondSignalHandsRunningTasksBackAtOnce() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            for _ in 0..<4 { try await broker.asyncTask("baton.sleep", args: [20_000]) }
            let cluster = try fixture.worker(["--workers", "4", "--grace", "30"])
            let busy = try await fixture.waitUntil {
                // Its 4 workers busy, and any task it holds beyond them leased too.
                try await fixture.number("SELECT count(*) FROM baton.tasks WHERE state = 'running'") >= 4
            }
            #expect(busy)
            send(SIGTERM, to: cluster)
            try await Task.sleep(for: .milliseconds(200))
            send(SIGTERM, to: cluster)
            let exited = try await waitForExit(cluster, within: .seconds(5))
            #expect(exited && cluster.terminationStatus == 0)
            let queued = try await fixture.number(
                "SELECT count(*) FROM baton.tasks WHERE state = 'queued' AND attempts = 0 AND lease_owner IS NULL")
            #expect(queued == 4, "the interrupted tasks are back in the queue, their attempt not counted")
        }
    }

    @Test func tasksStillRunningWhenTheGraceEndsAreHandedBack() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            for token in 0..<3 { try await broker.asyncTask("test.attempt", args: [.string("grace-\(token)"), 20_000, "x"]) }
            let cluster = try fixture.worker(["--workers", "4", "--grace", "1"])
            // Begun, not only claimed: a claimed task not yet begun is handed back at once, with no grace.
            let busy = try await fixture.waitUntil { (0..<3).allSatisfy { fixture.hasStarted("grace-\($0)") } }
            #expect(busy)
            send(SIGTERM, to: cluster)
            let signalled = ContinuousClock.now
            let exited = try await waitForExit(cluster, within: .seconds(5))
            #expect(exited && cluster.terminationStatus == 0)
            #expect(ContinuousClock.now - signalled >= .seconds(1), "running tasks got their grace period")
            let queued = try await fixture.number(
                "SELECT count(*) FROM baton.tasks WHERE state = 'queued' AND attempts = 0 AND lease_owner IS NULL")
            #expect(queued == 3, "handed back for another cluster to take at once")
            print("grace: tasks still running after the 1 s grace were handed back; exit 0 after \(ContinuousClock.now - signalled)")
        }
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["BATON_PRIVATE_DATABASE"] == "1",
                   "restarts the database: only the private one"))
    func restartingPostgresLosesNothing() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            try await fixture.enqueueChains("restart", count: 20, links: 5, function: "baton.sleep", argument: 100)
            let clusters = try (0..<2).map { _ in try fixture.worker(["--workers", "4", "--lease", "5"]) }
            defer { clusters.forEach { send(SIGKILL, to: $0) } }
            let waiters = (0..<20).map { chain in
                Task { try await broker.resultGroup("restart-\(chain)", wait: .seconds(50), count: 5) }
            }
            let progressed = try await fixture.waitUntil {
                try await fixture.number("SELECT count(*) FROM baton.results") >= 10
            }
            #expect(progressed)
            try fixture.privateDatabase(["restart"])
            let restarted = ContinuousClock.now
            for (chain, waiter) in waiters.enumerated() {
                let results = try await waiter.value
                #expect(results == Array(repeating: 100, count: 5), "waiter of chain \(chain)")
            }
            print("PostgreSQL restarted (immediate mode): all 20 waiters returned \(ContinuousClock.now - restarted) later")
            try await fixture.expectChainsComplete("restart", count: 20, links: 5)
        }
    }

    @Test func aTaskThatAlwaysFailsGetsExactlyItsAttemptsWithBackoff() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            let cluster = try fixture.worker(["--workers", "2"])
            defer { send(SIGKILL, to: cluster) }
            let chain = try await broker.asyncChain(
                [ChainLink("baton.fail", "flaky service"), ChainLink("baton.echo", 1)],
                maxAttempts: 3, retryDelay: .milliseconds(300))
            let records = try #require(try await broker.fetchGroup(chain, wait: .seconds(30), count: 2))
            try #require(records.count == 2)
            let failing = records[0]
            #expect(failing.attempts == 3)
            #expect(failing.errors == Array(repeating: "flaky service", count: 3))
            let elapsed = try #require(failing.startedAt).timeIntervalSince(failing.enqueuedAt)
            // Backoff: 300 ms, then 600 ms, each +-25 %: at least 675 ms before the last attempt.
            #expect(elapsed >= 0.675, "the last attempt began only \(elapsed) s after enqueueing")
            #expect(records[1].error == "cancelled: link 0 (baton.fail) failed", "the chain stopped")
            print("retries: 3 attempts, the last \(elapsed) s after enqueueing; chain stopped")
        }
    }

    @Test func aTaskPastItsTimeoutIsRecordedAndTheClusterGoesOn() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            let cluster = try fixture.worker(["--workers", "2"])
            defer { send(SIGKILL, to: cluster) }
            let slow = try await broker.asyncTask("test.sleep", args: [10_000], timeout: .milliseconds(500))
            let record = try #require(try await broker.fetch(slow, wait: .seconds(10)))
            #expect(record.error == "test.sleep: timed out after 0.5 s")
            let next = try await broker.asyncTask("baton.echo", args: ["still serving"])
            #expect(try await broker.result(next, wait: .seconds(10)) == ["still serving"])
            #expect(cluster.isRunning)
            print("timeout: recorded as timed out; the cluster went on serving")
        }
    }

    @Test func aTaskThatIgnoresItsTimeoutStopsTheClusterForItsSupervisor() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            let cluster = try fixture.worker(["--workers", "2", "--abandon-after", "0.5"])
            let hung = try await broker.asyncTask("test.hang", args: [30], timeout: .milliseconds(300))
            let record = try #require(try await broker.fetch(hung, wait: .seconds(10)))
            #expect(record.error?.hasPrefix("test.hang: timed out after 0.3 s; it ignored cancellation") == true)
            let exited = try await waitForExit(cluster, within: .seconds(10))
            #expect(exited && cluster.terminationStatus == 75, "exit 75 asks the supervisor for a fresh process")
            // Task ids in the log as PostgreSQL prints them (lower case), as everywhere else.
            #expect(fixture.workerLogs.contains(hung.lowercasedText), "\(fixture.workerLogs)")
            #expect(!fixture.workerLogs.contains(hung.uuidString))
            // The supervisor starts a fresh one, which serves the rest.
            let fresh = try fixture.worker(["--workers", "2"])
            defer { send(SIGKILL, to: fresh) }
            let next = try await broker.asyncTask("baton.echo", args: [1])
            #expect(try await broker.result(next, wait: .seconds(10)) == [1])
        }
    }

    @Test func aTaskThatCrashesItsWorkerFailsAfterFiveLostLeases() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            let crash = try await broker.asyncTask("test.crash", args: ["index out of range"])
            // A supervisor: start a worker again each time one dies, until the task is settled.
            var crashes = 0
            var worker = try fixture.worker(["--workers", "1", "--lease", "1"])
            let deadline = ContinuousClock.now + .seconds(50)
            while try await broker.fetch(crash) == nil, ContinuousClock.now < deadline {
                if !worker.isRunning {
                    crashes += 1
                    worker = try fixture.worker(["--workers", "1", "--lease", "1"])
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            send(SIGKILL, to: worker)
            let record = try #require(try await broker.fetch(crash))
            #expect(!record.success)
            #expect(record.error?.contains("the lease was lost 5 times") == true)
            #expect(record.errors.count == 5)
            #expect(crashes == 5, "each attempt crashed its worker")
            print("crash: a Swift runtime error killed \(crashes) workers; the task failed after 5 lost leases")
        }
    }
}
