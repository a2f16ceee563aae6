import BatonCluster
import Foundation
import Testing
import TestSupport

/// `Broker.activity()`, what the dashboard's live pages use: a page waiting out the time
/// between two refreshes pauses, and a process whose every subscriber is paused stops
/// listening (so that it takes none of the queue's notifications meanwhile), without ever
/// losing news or a result waiter's wake-up.
@Suite struct ActivityTests {
    /// The last LISTEN or UNLISTEN that the process's listening connection ran.
    func listenerState(_ name: String, on broker: Broker) async throws -> String? {
        try await broker.pool.withConnection { connection in
            try await connection.query(
                "SELECT query FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%LISTEN \"baton\"'", name
            ).first?.decode(0, as: String.self)
        }
    }

    func waitForListener(_ name: String, _ wanted: String, on broker: Broker) async throws {
        for _ in 0..<200 {
            if try await listenerState(name, on: broker) == wanted { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("the listener of \(name) never ran \(wanted): \(String(describing: try await listenerState(name, on: broker)))")
    }

    func notify(_ broker: Broker, _ payload: String = "queued") async throws {
        _ = try await broker.pool.withConnection { try await $0.query("SELECT pg_notify('baton', $1)", payload) }
    }

    @Test func aPausedPageStopsTheProcessListeningAndHearsWhatItMissedOnResuming() async throws {
        try await TestDatabase.withBroker { broker in
            let name = TestDatabase.uniqueName("page")
            let page = Broker(configuration: broker.configuration.with(applicationName: name))
            let activity = try await page.activity()
            try await waitForListener(name, "LISTEN \"baton\"", on: broker)
            // Listening fires the signal once (anything may have happened before); then news fires it.
            _ = await activity.signal.wait(until: .now + .seconds(5))
            try await notify(broker)
            #expect(await activity.signal.wait(until: .now + .seconds(5)), "an event while listening fires the signal")

            activity.pause()
            // The next notification finds nobody who wants it: the connection UNLISTENs.
            try await notify(broker)
            try await waitForListener(name, "UNLISTEN \"baton\"", on: broker)
            _ = await activity.signal.wait(until: .now)
            try await notify(broker, "done 00000000-0000-0000-0000-000000000001")
            #expect(await activity.signal.wait(until: .now + .milliseconds(300)) == false, "no notification reaches a stopped listener")

            // Resuming listens again and fires the signal: something may have happened meanwhile.
            await activity.resume()
            #expect(try await listenerState(name, on: broker) == "LISTEN \"baton\"", "resume returns once the process listens")
            #expect(await activity.signal.wait(until: .now + .seconds(5)), "a resumed page hears that it may have missed news")
            try await notify(broker)
            #expect(await activity.signal.wait(until: .now + .seconds(5)), "news after resuming fires the signal")
            activity.cancel()
            await page.close()
        }
    }

    @Test func aResultWaiterOrAnotherPageKeepsAPausedProcessListening() async throws {
        try await TestDatabase.withBroker { broker in
            let name = TestDatabase.uniqueName("shared")
            let app = Broker(configuration: broker.configuration.with(applicationName: name))
            let paused = try await app.activity()
            paused.pause()
            let id = try await broker.asyncTask("baton.echo", args: ["awaited"])
            let waiter = Task { try await app.result(id, wait: .seconds(20)) }
            try await waitForListener(name, "LISTEN \"baton\"", on: broker)
            for _ in 0..<3 { try await notify(broker) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await listenerState(name, on: broker) == "LISTEN \"baton\"", "a result waiter keeps the process listening")
            let completed = try await broker.pool.withConnection { connection in
                let task = try #require(try await broker.worker.claim(
                    functions: ["baton.echo"], limit: 1, owner: "test", lease: .seconds(60), on: connection).first)
                _ = try await broker.worker.complete(task, outcome: .success("awaited"), owner: "test", on: connection)
                return ContinuousClock.now
            }
            #expect(try await waiter.value == "awaited")
            // Woken by the notification, not by the fallback check 5 s later.
            #expect(ContinuousClock.now - completed < .seconds(2))

            // A second page that has not paused keeps it listening as well.
            let live = try await app.activity()
            for _ in 0..<3 { try await notify(broker) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await listenerState(name, on: broker) == "LISTEN \"baton\"", "a live page keeps the process listening")
            live.cancel()
            try await notify(broker)
            try await waitForListener(name, "UNLISTEN \"baton\"", on: broker)
            paused.cancel()
            await app.close()
        }
    }

    @Test func aWaiterAfterTheLastPageLeftWhilePausedListensAgain() async throws {
        try await TestDatabase.withBroker { broker in
            let name = TestDatabase.uniqueName("left")
            let app = Broker(configuration: broker.configuration.with(applicationName: name))
            let activity = try await app.activity()
            activity.pause()
            try await notify(broker)
            try await waitForListener(name, "UNLISTEN \"baton\"", on: broker)
            activity.cancel()
            let id = try await broker.asyncTask("baton.echo", args: ["later"])
            let waiter = Task { try await app.result(id, wait: .seconds(20)) }
            try await waitForListener(name, "LISTEN \"baton\"", on: broker)
            let completed = try await withCluster(broker) {
                _ = try await broker.result(id, wait: .seconds(20))
                return ContinuousClock.now
            }
            #expect(try await waiter.value == .array(["later"]))
            #expect(ContinuousClock.now - completed < .seconds(2), "woken by the notification, not the fallback check")
            await app.close()
        }
    }
}
