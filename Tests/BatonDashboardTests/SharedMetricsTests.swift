import Baton
import BatonDashboard
import Foundation
import LibPQ
import Prometheus
import Testing
import TestSupport

/// One reading of the whole queue's figures for every process (`baton.shared_metrics()`):
/// each cluster and dashboard serving /metrics, each with its own connections, is shown
/// the reading another made while it is younger than the interval; scrapes arriving
/// together make one reading; a standby or a read-only transaction reads for itself; a
/// caller stuck holding the reader's lock delays the others, never stops them; a role granted
/// baton.metrics() alone reads for itself.
@Suite struct SharedMetricsTests {
    static let queued = ["queue": "default", "function": "baton.echo", "state": "queued"]

    func scrape(_ endpoint: MetricsEndpoint) async throws -> [MetricSample] {
        try MetricScrape.parse(await endpoint.text())
    }

    func value<T: SQLDecodable>(_ sql: String, on broker: Broker, as type: T.Type = T.self) async throws -> T {
        try await broker.pool.withConnection { try await $0.query(sql)[0].decode(0, as: T.self) }
    }

    /// Counts, from the database, each reading stored (a trigger on baton.metrics_reading).
    func countReadings(on broker: Broker) async throws {
        try await broker.pool.withConnection {
            try await $0.execute(script: """
                CREATE TABLE public.readings_stored (at timestamptz NOT NULL);
                CREATE FUNCTION public.count_reading() RETURNS trigger LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
                BEGIN INSERT INTO public.readings_stored VALUES (clock_timestamp()); RETURN NULL; END $$;
                CREATE TRIGGER count_reading AFTER INSERT OR UPDATE ON baton.metrics_reading
                FOR EACH ROW EXECUTE FUNCTION public.count_reading();
                """)
        }
    }

    @Test func anotherProcessIsShownTheReadingOneMade() async throws {
        try await TestDatabase.withBroker { broker in
            try await countReadings(on: broker)
            try await broker.asyncTask("baton.echo", args: [1])
            let first = MetricsEndpoint(broker: broker, registry: PrometheusCollectorRegistry(), clusterWideEvery: .seconds(60))
            #expect(try await scrape(first).value("baton_queue_tasks", Self.queued) == 1)
            try await broker.asyncTask("baton.echo", args: [2])
            // Another process: its own broker, its own connections, the same database.
            try await Broker.with(configuration: broker.configuration) { (other: Broker) async throws in
                let second = MetricsEndpoint(broker: other, registry: PrometheusCollectorRegistry(), clusterWideEvery: .seconds(60))
                #expect(try await scrape(second).value("baton_queue_tasks", Self.queued) == 1, "the first process's reading")
                // One that wants its figures younger than the reading reads them itself, and stores them.
                let eager = MetricsEndpoint(broker: other, registry: PrometheusCollectorRegistry(), clusterWideEvery: .zero)
                #expect(try await scrape(eager).value("baton_queue_tasks", Self.queued) == 2)
            }
            #expect(try await value("SELECT count(*) FROM public.readings_stored", on: broker, as: Int.self) == 2)
            let ages = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT DISTINCT age FROM baton.shared_metrics('1 hour')").map { try $0.decode(0, as: Double.self) }
            }
            #expect(ages.count == 1 && ages[0] >= 0 && ages[0] < 30, "\(ages)")
            #expect(try await value("SELECT count(*) FROM public.readings_stored", on: broker, as: Int.self) == 2)
        }
    }

    @Test func aProcessKeepsAnotherProcesssReadingOnlyUntilItIsTheIntervalOld() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.asyncTask("baton.echo", args: [1])
            let interval = Duration.seconds(6)
            let first = MetricsEndpoint(broker: broker, registry: PrometheusCollectorRegistry(), clusterWideEvery: interval)
            let made = ContinuousClock.now
            #expect(try await scrape(first).value("baton_queue_tasks", Self.queued) == 1)
            try await Task.sleep(for: .seconds(3))
            try await broker.asyncTask("baton.echo", args: [2])
            try await Broker.with(configuration: broker.configuration) { (other: Broker) async throws in
                let second = MetricsEndpoint(broker: other, registry: PrometheusCollectorRegistry(), clusterWideEvery: interval)
                let shared = try await scrape(second).value("baton_queue_tasks", Self.queued)
                // (A machine that took the whole interval to get here has read anew.)
                if ContinuousClock.now - made < interval { #expect(shared == 1, "the first's reading, 3 s old") }
                // Kept until the interval after the first process made it, not after this one got it.
                try await Task.sleep(until: made + interval + .milliseconds(500))
                #expect(try await scrape(second).value("baton_queue_tasks", Self.queued) == 2)
            }
        }
    }

    @Test func scrapesArrivingTogetherMakeOneReading() async throws {
        try await TestDatabase.withBroker { broker in
            try await countReadings(on: broker)
            // Enough queued tasks that a reading takes a while: the scrapes overlap it.
            _ = try await broker.pool.withConnection {
                try await $0.query("SELECT count(baton.async_task('baton.echo', jsonb_build_array(i))) FROM generate_series(1, 20000) AS i")
            }
            let values = try await withThrowingTaskGroup(of: Double?.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await Broker.with(configuration: broker.configuration) { (process: Broker) async throws -> Double? in
                            let endpoint = MetricsEndpoint(
                                broker: process, registry: PrometheusCollectorRegistry(), clusterWideEvery: .seconds(60))
                            return try await scrape(endpoint).value("baton_queue_tasks", Self.queued)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(values == Array(repeating: 20000, count: 8))
            #expect(try await value("SELECT count(*) FROM public.readings_stored", on: broker, as: Int.self) == 1)
        }
    }

    @Test func aReadOnlyTransactionReadsForItself() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.asyncTask("baton.echo", args: [1])
            let rows = try await broker.pool.withConnection { connection in
                try await connection.execute(script: "BEGIN READ ONLY")
                let rows = try await connection.query("""
                    SELECT value, age FROM baton.shared_metrics() WHERE metric = 'queue_tasks' AND state = 'queued'
                    """)
                try await connection.execute(script: "COMMIT")
                return try rows.map { (try $0.decode(0, as: Double.self), try $0.decode(1, as: Double.self)) }
            }
            #expect(rows.count == 1 && rows[0].0 == 1 && rows[0].1 == 0, "\(rows)")
            #expect(try await value("SELECT count(*) FROM baton.metrics_reading", on: broker, as: Int.self) == 0)
        }
    }

    @Test func aCallerHoldingTheLockDelaysTheOthersButDoesNotStopThem() async throws {
        try await TestDatabase.withBroker { broker in
            try await countReadings(on: broker)
            try await broker.asyncTask("baton.echo", args: [1])
            try await broker.pool.withConnection { holder in
                // A caller that read the figures inside a transaction it keeps open holds the lock.
                try await holder.execute(script: "BEGIN")
                _ = try await holder.query("SELECT count(*) FROM baton.shared_metrics()")
                try await broker.asyncTask("baton.echo", args: [2])
                let started = ContinuousClock.now
                let endpoint = MetricsEndpoint(broker: broker, registry: PrometheusCollectorRegistry(), clusterWideEvery: .zero)
                let samples = try await scrape(endpoint)
                let waited = ContinuousClock.now - started
                #expect(samples.value("baton_database_up") == 1)
                #expect(samples.value("baton_queue_tasks", Self.queued) == 2, "read for itself")
                #expect(waited >= .seconds(4.5) && waited < .seconds(30), "\(waited)")
                try await holder.execute(script: "COMMIT")
            }
            // The stuck caller's reading only: the one that timed out stored nothing.
            #expect(try await value("SELECT count(*) FROM public.readings_stored", on: broker, as: Int.self) == 1)
        }
    }

    @Test func aRoleGrantedOnlyTheDirectReadingStillReportsTheQueue() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.asyncTask("baton.echo", args: [1])
            let login = TestDatabase.uniqueName("metrics_only")
            try await broker.pool.withConnection {
                try await $0.execute(script: """
                    CREATE ROLE \(login) LOGIN; GRANT USAGE ON SCHEMA baton TO \(login);
                    GRANT EXECUTE ON FUNCTION baton.metrics() TO \(login)
                    """)
            }
            try await Broker.with(configuration: broker.configuration.with(user: login)) { (reader: Broker) async throws in
                let samples = try await scrape(MetricsEndpoint(broker: reader, registry: PrometheusCollectorRegistry()))
                #expect(samples.value("baton_database_up") == 1)
                #expect(samples.value("baton_queue_tasks", Self.queued) == 1)
            }
            try await broker.pool.withConnection {
                try await $0.execute(script: "DROP OWNED BY \(login); DROP ROLE \(login)")
            }
        }
    }
}
