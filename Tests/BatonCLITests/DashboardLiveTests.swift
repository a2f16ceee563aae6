import Baton
import Foundation
import Testing
import TestSupport

/// The dashboard's live pages: how often `/events` tells an open page to refresh on a busy queue.
extension DashboardCommandTests {
    @Test func anOpenPageRefreshesLessOftenWhenItsRefreshTakesLong() async throws {
        try await TestDatabase.withBroker { broker in
            let (dashboard, url, _) = try await startDashboard([], on: broker)
            defer { dashboard.terminate() }
            // News all the time, as on a busy queue: a notification every 100 ms.
            let news = Task {
                while !Task.isCancelled {
                    _ = try? await broker.pool.withConnection { try await $0.query("SELECT pg_notify('baton', 'queued')") }
                    try? await Task.sleep(for: .milliseconds(100))
                }
            }
            defer { news.cancel() }
            func changes(for duration: Duration) async throws -> [ContinuousClock.Instant] {
                try await HTTPCall.events(url + "/events?page=overview", for: duration).filter { $0.event == "change" }.map(\.at)
            }
            func gaps(_ times: [ContinuousClock.Instant]) -> [Duration] { zip(times.dropFirst(), times).map { $0 - $1 } }

            // A quick refresh: the page hears of the news every 2 seconds.
            // (The first refreshes open the dashboard's connections; the last one is what counts.)
            for _ in 0..<3 { #expect(try await HTTPCall.get(url + "/", headers: ["X-Baton-Refresh": "1"]).status == 200) }
            let quick = try await changes(for: .seconds(9))
            #expect(quick.count >= 3, "changes in 9 s: \(quick.count)")
            #expect(gaps(quick).allSatisfy { $0 >= .milliseconds(1900) && $0 < .milliseconds(4500) }, "\(gaps(quick))")

            // A refresh that takes about 200 ms (the clusters table locked meanwhile): some 10 s
            // before the next change (50 times the build), whatever the news.
            try await broker.pool.withConnection { connection in
                try await connection.execute(script: "BEGIN; LOCK TABLE baton.clusters IN ACCESS EXCLUSIVE MODE")
                let refresh = Task { try await HTTPCall.get(url + "/", headers: ["X-Baton-Refresh": "1"]) }
                // Held 200 ms from when the refresh's query waits for it (however slow the
                // request is to arrive on a busy machine).
                let blocked = try await waitUntil(.seconds(20)) {
                    try await value(
                        "SELECT count(*)::text FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
                        on: broker) != "0"
                }
                #expect(blocked, "the refresh never waited for the lock")
                try await Task.sleep(for: .milliseconds(200))
                try await connection.execute(script: "COMMIT")
                #expect(try await refresh.value.status == 200)
            }
            let slow = try await changes(for: .seconds(12))
            #expect(!slow.isEmpty && slow.count <= 2, "changes in 12 s: \(slow.count)")
            #expect(gaps(slow).allSatisfy { $0 >= .milliseconds(7400) }, "\(gaps(slow))")
        }
    }
}
