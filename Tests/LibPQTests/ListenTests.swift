import Foundation
import LibPQ
import Testing
import TestSupport

/// LISTEN scopes: woken by the socket, never by polling; UNLISTEN on exit.
@Suite struct ListenTests {
    @Test func receivesANotifyFromAnotherConnectionWithinMilliseconds() async throws {
        let listener = try await TestDatabase.connect()
        let sender = try await TestDatabase.connect()
        let channel = TestDatabase.uniqueName("wake")
        let latencies = try await listener.listen(on: channel) { notifications in
            var iterator = notifications.makeAsyncIterator()
            var latencies: [Duration] = []
            for trial in 0..<5 {
                let sent = ContinuousClock.now
                try await sender.notify(channel, payload: "hello ✓ \(trial)")
                let notification = try await iterator.next()
                latencies.append(ContinuousClock.now - sent)
                #expect(notification?.channel == channel)
                #expect(notification?.payload == "hello ✓ \(trial)")
                #expect(notification?.senderPID == sender.backendPID)
            }
            return latencies
        }
        // One round trip of the sender plus delivery: milliseconds on one host.
        let median = latencies.sorted()[latencies.count / 2]
        #expect(median < .milliseconds(200), "median notification latency \(median) (all: \(latencies))")
    }

    @Test func aNotifyInARolledBackTransactionNeverArrives() async throws {
        struct Abort: Error {}
        let listener = try await TestDatabase.connect()
        let sender = try await TestDatabase.connect()
        let channel = TestDatabase.uniqueName("rollback")
        let first = try await listener.listen(on: channel) { notifications in
            await #expect(throws: Abort.self) {
                try await sender.transaction { tx in
                    try await tx.notify(channel, payload: "rolled back")
                    throw Abort()
                }
            }
            try await sender.transaction { tx in try await tx.notify(channel, payload: "committed") }
            var iterator = notifications.makeAsyncIterator()
            return try await iterator.next()?.payload
        }
        #expect(first == "committed")
    }

    @Test func channelNamesWithQuotesAndSpacesAreSafe() async throws {
        let listener = try await TestDatabase.connect()
        let channel = "we \"quote\" it; DROP TABLE x -- \(TestDatabase.uniqueName())"
        let payload = try await listener.listen(on: channel) { notifications in
            try await listener.notify(channel, payload: "still here")
            var iterator = notifications.makeAsyncIterator()
            return try await iterator.next()?.payload
        }
        #expect(payload == "still here")
    }

    @Test func leavingTheScopeUnlistens() async throws {
        let listener = try await TestDatabase.connect()
        let channels = [TestDatabase.uniqueName("a"), TestDatabase.uniqueName("b")]
        let during = try await listener.listen(on: channels) { _ in
            try await listener.query("SELECT pg_listening_channels() AS name ORDER BY 1")
                .map { try $0.decode("name", as: String.self) }
        }
        #expect(during == channels.sorted())
        let after = try await listener.query("SELECT pg_listening_channels()")
        #expect(after.isEmpty)
    }

    @Test func eachScopeGetsOnlyItsChannels() async throws {
        let listener = try await TestDatabase.connect()
        let sender = try await TestDatabase.connect()
        let (a, b) = (TestDatabase.uniqueName("a"), TestDatabase.uniqueName("b"))
        let received = try await listener.listen(on: a) { aNotifications in
            try await listener.listen(on: [a, b]) { bothNotifications in
                try await sender.notify(b, payload: "to b")
                try await sender.notify(a, payload: "to a")
                var onlyA = aNotifications.makeAsyncIterator()
                var both = bothNotifications.makeAsyncIterator()
                return [try await onlyA.next()?.payload, try await both.next()?.payload, try await both.next()?.payload]
            }
        }
        #expect(received == ["to a", "to b", "to a"])
    }

    @Test func waitingSendsNothingToTheServer() async throws {
        let listener = try await TestDatabase.connect()
        let observer = try await TestDatabase.connect()
        let channel = TestDatabase.uniqueName("quiet")
        let query = "SELECT state, state_change, query FROM pg_stat_activity WHERE pid = $1"
        try await listener.listen(on: channel) { notifications in
            let waiter = Task {
                var iterator = notifications.makeAsyncIterator()
                return try await iterator.next()?.payload
            }
            try await Task.sleep(for: .milliseconds(100))
            let before = try #require(try await observer.query(query, listener.backendPID).first)
            try await Task.sleep(for: .milliseconds(500))
            let after = try #require(try await observer.query(query, listener.backendPID).first)
            // No statement ran on the listener while it waited: its last activity is unchanged.
            #expect(try after.decode("state", as: String.self) == "idle")
            #expect(try before.decode("state_change", as: Date.self) == after.decode("state_change", as: Date.self))
            try await observer.notify(channel, payload: "now")
            #expect(try await waiter.value == "now")
        }
    }

    @Test func aBrokenConnectionEndsTheSequenceWithAnError() async throws {
        let listener = try await TestDatabase.connect()
        let killer = try await TestDatabase.connect()
        let error = await #expect(throws: PostgresError.self) {
            try await listener.listen(on: TestDatabase.uniqueName("lost")) { notifications in
                try await killer.execute("SELECT pg_terminate_backend($1)", listener.backendPID)
                for try await _ in notifications {}
            }
        }
        #expect(error?.code == .connectionLost)
    }

    @Test func badChannelNamesAreRefused() async throws {
        let listener = try await TestDatabase.connect()
        for channel in ["", String(repeating: "x", count: 64)] {
            let error = await #expect(throws: PostgresError.self) { try await listener.listen(on: channel) { _ in } }
            #expect(error?.code == .misuse)
        }
    }
}
