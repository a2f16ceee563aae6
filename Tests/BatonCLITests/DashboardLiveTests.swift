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

    @Test func refreshesShareTheChartsReadingAndAReloadReadsItAgain() async throws {
        try await TestDatabase.withBroker { broker in
            let (dashboard, url, _) = try await startDashboard([], on: broker)
            defer { dashboard.terminate() }
            /// The overview's succeeded and queued counts.
            func counts(refresh: Bool) async throws -> (succeeded: String?, queued: String?) {
                let page = try await HTTPCall.get(url + "/", headers: refresh ? ["X-Baton-Refresh": "1"] : [:])
                #expect(page.status == 200)
                return (page.body.firstMatch(of: /id="succeeded-hour">(\d+)</).map { String($0.1) },
                        page.body.firstMatch(of: /id="queued-total">(\d+)</).map { String($0.1) })
            }
            for value in 1...2 { try await broker.asyncTask("baton.echo", args: [.int(value)], sync: true) }
            let read = ContinuousClock.now
            #expect(try await counts(refresh: false) == ("2", "0"))
            try await broker.asyncTask("baton.echo", args: [3], sync: true)
            try await broker.asyncTask("baton.echo", args: [4])
            let refreshed = try await counts(refresh: true)
            #expect(refreshed.queued == "1", "the counts of the queue are read on every refresh")
            // The chart's reading is kept 15 s (LastHourReadings.reuse); a machine that took
            // that long for the requests has read it again.
            if ContinuousClock.now - read < .seconds(15) { #expect(refreshed.succeeded == "2", "the refresh read the results again") }
            #expect(try await counts(refresh: false) == ("3", "1"), "a reload reads the results again")
            #expect(try await counts(refresh: true).succeeded == "3")
        }
    }
}
