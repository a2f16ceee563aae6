import Baton
import BatonDashboard
import Foundation
import LibPQ
import Prometheus
import Testing
import TestSupport

/// The whole queue's figures at /metrics, read from the database (`baton.metrics()`), parsed
/// by the Prometheus project's own parser.
@Suite struct ClusterWideMetricsTests {
    func execute(_ sql: String, on broker: Broker) async throws {
        _ = try await broker.pool.withConnection { try await $0.query(sql) }
    }

    func scrape(_ endpoint: MetricsEndpoint) async throws -> [MetricSample] {
        try MetricScrape.parse(await endpoint.text())
    }

    @Test func everyStateOfTheQueueIsCounted() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.asyncChain([ChainLink("baton.echo", 1), ChainLink("baton.echo", 2), ChainLink("baton.echo", 3)],
                                        queue: "reports")
            try await broker.asyncTask("baton.echo", args: [1], delay: .seconds(3600))
            try await broker.asyncTask("baton.sleep", args: [1])
            try await execute(
                "SELECT * FROM baton.claim_tasks(ARRAY['baton.sleep'], 1, 'tests:1:0000', '30 seconds', 'default')",
                on: broker)
            let endpoint = MetricsEndpoint(broker: broker, registry: PrometheusCollectorRegistry(), clusterWideEvery: .seconds(60))
            let samples = try await scrape(endpoint)
            let reports = ["queue": "reports", "function": "baton.echo"]
            #expect(samples.value("baton_queue_tasks", reports.merging(["state": "queued"]) { $1 }) == 1)
            #expect(samples.value("baton_queue_tasks", reports.merging(["state": "waiting"]) { $1 }) == 2)
            #expect(samples.value("baton_queue_tasks", ["queue": "default", "function": "baton.echo", "state": "delayed"]) == 1)
            #expect(samples.value("baton_queue_tasks", ["queue": "default", "function": "baton.sleep", "state": "running"]) == 1)
            #expect(samples.value("baton_chains", ["state": "queued"]) == 1)
            // No cluster is alive: the due, unclaimed task is one nobody serves; the delayed one is not due.
            #expect(samples.value("baton_unclaimable_tasks", reports) == 1)
            #expect(samples.value("baton_unclaimable_tasks", ["queue": "default"]) == nil)
            #expect(samples.value("baton_clusters_alive") == 0)
            #expect(samples.value("baton_queue_oldest_task_age_seconds", ["queue": "default"]) == 0)
            #expect((samples.value("baton_queue_oldest_task_age_seconds", ["queue": "reports"]) ?? -1) >= 0)
            // Read once per interval: more work shows in the next reading, not before.
            try await broker.asyncTask("baton.echo", args: [2], queue: "reports")
            #expect(try await scrape(endpoint).value("baton_queue_tasks", reports.merging(["state": "queued"]) { $1 }) == 1)
            let fresh = MetricsEndpoint(broker: broker, registry: PrometheusCollectorRegistry(), clusterWideEvery: .zero)
            #expect(try await scrape(fresh).value("baton_queue_tasks", reports.merging(["state": "queued"]) { $1 }) == 2)
        }
    }

    @Test func aDatabaseThatCannotBeReadIsReportedNotThrown() async throws {
        // Nothing listens on port 1: every connection is refused.
        let broker = Broker(configuration: try ConnectionConfiguration("host=127.0.0.1 port=1 dbname=none connect_timeout=2"))
        let samples = try await scrape(MetricsEndpoint(broker: broker, registry: PrometheusCollectorRegistry()))
        #expect(samples.value("baton_database_up") == 0)
        #expect(samples.count == 1, "\(samples)")
        await broker.close()
    }

    @Test func namesUsersChoseCannotBreakTheText() async throws {
        try await TestDatabase.withBroker { broker in
            let names = [HostileNames.function, HostileNames.text, HostileNames.group("g"), "</script><script>x()</script>"]
            for name in names { try await broker.asyncTask(name, args: [1]) }
            let samples = try await scrape(MetricsEndpoint(broker: broker, registry: PrometheusCollectorRegistry()))
            for name in names {
                #expect(samples.value("baton_queue_tasks", ["function": name, "state": "queued"]) != nil, "\(name.debugDescription)")
            }
        }
    }
}
