import Baton
import Foundation
import Testing
import TestSupport

/// A lease is renewed exactly while its work is alive in the cluster that holds it: through
/// an outage longer than the lease, a graceful stop, and a cluster's death.
@Suite(.serialized) struct LeaseTests {
    static let privateDatabase = ProcessInfo.processInfo.environment["BATON_PRIVATE_DATABASE"] == "1"

    @Test(.enabled(if: privateDatabase, "stops the database: only the private one"))
    func aDatabaseDownLongerThanALeaseStrandsNothing() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            try await fixture.enqueueChains("outage", count: 20, links: 5, function: "baton.sleep", argument: 100)
            let clusters = try (0..<2).map { _ in try fixture.worker(["--workers", "4", "--lease", "5"]) }
            defer { clusters.forEach { send(SIGKILL, to: $0) } }
            let progressed = try await fixture.waitUntil {
                try await fixture.number("SELECT count(*) FROM baton.results") >= 10
            }
            #expect(progressed)
            // Down for 7 s, longer than the 5 s lease: outcomes written during it are given up.
            try fixture.privateDatabase(["crash", "7"])
            let restarted = ContinuousClock.now
            let finished = try await fixture.waitUntil(.seconds(60)) {
                try await fixture.number("SELECT count(*) FROM baton.groups WHERE finished_at IS NULL") == 0
            }
            let stuck = try await fixture.number("SELECT count(*) FROM baton.tasks WHERE state = 'running'")
            #expect(finished, "\(stuck) tasks still running a minute after the database came back")
            print("outage: database down 7 s (lease 5 s); every chain done \(ContinuousClock.now - restarted) after it came back")
            try await fixture.expectChainsComplete("outage", count: 20, links: 5)
        }
    }

    @Test func aGracefulStopKeepsRenewingTheLeasesOfRunningTasks() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            let first = try fixture.worker(["--workers", "1", "--lease", "3", "--grace", "20"])
            defer { send(SIGKILL, to: first) }
            let long = try await broker.asyncTask("test.attempt", args: ["long", 10_000, "x"])
            // Begun, not only claimed: a claimed task not yet begun is handed back at SIGTERM.
            let running = try await fixture.waitUntil { fixture.hasStarted("long") }
            #expect(running)
            let second = try fixture.worker(["--workers", "1", "--lease", "3"])
            defer { send(SIGKILL, to: second) }
            send(SIGTERM, to: first)
            // Well past the lease: the second cluster would have rescued the task by now.
            let record = try #require(try await broker.fetch(long, wait: .seconds(20)))
            #expect(record.success)
            #expect(record.errors.isEmpty, "the task ran once, never rescued while it ran: \(record.errors)")
            #expect(record.worker?.contains(":\(first.processIdentifier):") == true, "the first cluster recorded it")
            let exited = try await waitForExit(first, within: .seconds(5))
            #expect(exited && first.terminationStatus == 0)
            print("graceful stop: a 10 s task outlived its 3 s lease by renewals through the grace period, ran once")
        }
    }

    /// A cluster stopped (SIGSTOP) past its lease holds claimed tasks it has not begun; another
    /// cluster takes them meanwhile. Resumed, the first must not start them as well.
    @Test func aClusterResumedPastItsLeaseDoesNotStartWhatItHadClaimed() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            let first = try fixture.worker(["--workers", "1", "--lease", "2"])
            defer { send(SIGKILL, to: first) }
            // Short tasks first, so that it claims more than it runs at once.
            let warmUp = try await broker.asyncTasks((0..<20).map { TaskCall("test.attempt", .string("warm-\($0)"), 0, "x") })
            _ = try await broker.result(warmUp[19], wait: .seconds(20))
            let warm = try await fixture.waitUntil { try await fixture.number("SELECT count(*) FROM baton.tasks") == 0 }
            #expect(warm, "the short tasks all finished")
            let waiting = (0..<4).map { "waiting-\($0)" }
            try await broker.asyncTasks([TaskCall("test.attempt", "long", 3_000, "x")]
                + waiting.map { TaskCall("test.attempt", .string($0), 0, "x") })
            let began = try await fixture.waitUntil { fixture.hasStarted("long") }
            #expect(began)
            // The four wait in its local queue behind the long one; it stops past its lease.
            let claimed = try await fixture.number("SELECT count(*) FROM baton.tasks WHERE state = 'running'")
            #expect(claimed == 5, "claimed \(claimed)")
            send(SIGSTOP, to: first)
            let second = try fixture.worker(["--workers", "2", "--lease", "2"])
            defer { send(SIGKILL, to: second) }
            let taken = try await fixture.waitUntil(.seconds(20)) { waiting.allSatisfy(fixture.hasStarted) }
            #expect(taken, "the second cluster rescued and ran them")
            send(SIGCONT, to: first)
            let drained = try await fixture.waitUntil(.seconds(20)) {
                try await fixture.number("SELECT count(*) FROM baton.tasks") == 0
            }
            #expect(drained)
            try await Task.sleep(for: .seconds(1))
            for token in waiting { #expect(fixture.starts(token) == 1, "\(token) began \(fixture.starts(token)) times") }
            print("resumed past its lease: the stopped cluster started none of the 4 tasks another cluster had taken")
        }
    }

    /// Connections a network dropped without a word (no reset: TCP would wait minutes, or for
    /// ever behind a proxy that keeps its sockets open) are given up at their time limit; the
    /// heartbeat renews the leases on new ones, so no other cluster takes a running task.
    @Test func aClusterWhoseConnectionsWentDeadKeepsItsLeasesOnNewOnes() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            let (forwarder, through) = try Forwarder.to(broker.configuration)
            let first = try fixture.worker(["--workers", "1", "--lease", "3"], database: through)
            defer { send(SIGKILL, to: first) }
            let long = try await broker.asyncTask("test.attempt", args: ["dead-line", 7_000, "x"])
            let began = try await fixture.waitUntil { fixture.hasStarted("dead-line") }
            #expect(began)
            // A second cluster, on a sound connection, rescues any lease that runs out.
            let second = try fixture.worker(["--workers", "1", "--lease", "3"])
            defer { send(SIGKILL, to: second) }
            // For a second, every connection the first cluster has (pooled, idle, listening) goes
            // silent: whichever its next heartbeat takes is dead.
            var silenced = 0
            for _ in 0..<10 {
                silenced = max(silenced, forwarder.silenceOpenConnections())
                try await Task.sleep(for: .milliseconds(100))
            }
            let quietAt = try await fixture.number("SELECT (extract(epoch FROM now()) * 1000)::bigint")
            let renewed = try await fixture.waitUntil(.seconds(5)) {
                try await fixture.number(
                    "SELECT count(*) FROM baton.clusters WHERE name LIKE $1 AND seen_at > to_timestamp($2 / 1000.0)",
                    "%:\(first.processIdentifier):%", quietAt) == 1
            }
            #expect(renewed, "the first cluster's heartbeat got through on a new connection")
            let record = try #require(try await broker.fetch(long, wait: .seconds(30)))
            #expect(record.success)
            #expect(record.errors.isEmpty, "never rescued while it ran: \(record.errors)")
            #expect(record.worker?.contains(":\(first.processIdentifier):") == true, "the first cluster recorded it")
            #expect(fixture.starts("dead-line") == 1, "began \(fixture.starts("dead-line")) times")
            print("dead connections: up to \(silenced) at a time went silent under a running 7 s task (lease 3 s); "
                + "it began \(fixture.starts("dead-line")) time(s), recorded by \(record.worker ?? "nobody")")
        }
    }

    @Test func aClusterKilledWithSigkillIsForgottenAfterThreeLeases() async throws {
        try await TestDatabase.withBroker { broker in
            let fixture = FaultFixture(broker: broker)
            let killed = try fixture.worker(["--workers", "1", "--lease", "1"])
            let registered = try await fixture.waitUntil {
                try await fixture.number("SELECT count(*) FROM baton.clusters WHERE name LIKE $1",
                                         "%:\(killed.processIdentifier):%") == 1
            }
            #expect(registered)
            send(SIGKILL, to: killed)
            killed.waitUntilExit()
            let survivor = try fixture.worker(["--workers", "1", "--lease", "1"])
            defer { send(SIGKILL, to: survivor) }
            let gone = try await fixture.waitUntil(.seconds(15)) {
                try await fixture.number("SELECT count(*) FROM baton.clusters WHERE name LIKE $1",
                                         "%:\(killed.processIdentifier):%") == 0
            }
            #expect(gone, "the dead cluster's row is deleted")
            let alive = try await fixture.number(
                "SELECT count(*) FROM baton.clusters WHERE name LIKE $1", "%:\(survivor.processIdentifier):%")
            #expect(alive == 1, "the live one stays")
        }
    }
}
