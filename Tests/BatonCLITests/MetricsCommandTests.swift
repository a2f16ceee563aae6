import Baton
import Foundation
import Testing
import TestSupport

/// `baton cluster --metrics-port`: the process's own figures and the whole queue's, at
/// `/metrics`, read by the Prometheus project's own text parser (scripts/parse-metrics).
@Suite struct MetricsCommandTests {
    /// A function name no cluster has, made to break a careless exposition: quotes, a
    /// backslash, a line feed, markup and unicode.
    static let hostile = "report.\"<script>alert(1)</script>\\\n\u{00E9}\u{2713}"


    /// Starts `baton cluster` with `arguments`; returns it and the port its log names.
    func startCluster(_ arguments: [String], on broker: Broker) async throws -> (Process, Int?, URL) {
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_DATABASE_URL"] = broker.configuration.conninfoForChildProcess
        let log = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("metrics-log"))
        let cluster = try Binaries.start("baton", ["cluster"] + arguments, environment: environment, log: log)
        var port: Int?
        _ = try await waitUntil(.seconds(20)) {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"metrics served at http://127\.0\.0\.1:\d+"#, options: .regularExpression) {
                port = Int(text[range].split(separator: ":").last ?? "")
            }
            return port != nil && text.contains("cluster started") || !cluster.isRunning
        }
        return (cluster, port, log)
    }

    @Test func aClusterServesItsOwnAndTheQueuesFigures() async throws {
        try await TestDatabase.withBroker { broker in
            // Enqueued by SQL, as another language would: 20 that run, one that fails twice,
            // three of a function no cluster has in a queue no cluster serves, a paused queue.
            try await broker.execute(statements: """
                SELECT baton.async_task('baton.echo', jsonb_build_array(n)) FROM generate_series(1, 20) AS n;
                SELECT baton.async_task('baton.fail', '["no"]', max_attempts => 2, retry_delay => '0');
                SELECT baton.async_task('\(Self.hostile.replacingOccurrences(of: "'", with: "''"))', queue => 'mail')
                FROM generate_series(1, 3);
                SELECT baton.pause_queue('held');
                """)
            let (cluster, port, log) = try await startCluster(["--workers", "2", "--metrics-port", "0"], on: broker)
            defer { cluster.terminate() }
            let served = try #require(port, "no port in the log: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            let drained = try await waitUntil {
                try await broker.pool.withConnection {
                    try await $0.query("SELECT count(*) FROM baton.results")[0].decode(0, as: Int.self)
                } == 21
            }
            #expect(drained)
            let url = try #require(URL(string: "http://127.0.0.1:\(served)/metrics"))
            // The cluster-wide figures are read again once they are 15 s old: wait for a reading
            // after the drain.
            var samples: [MetricSample] = []
            let settled = try await waitUntil(.seconds(25)) {
                samples = try MetricScrape.parse(try await MetricScrape.fetch(url).text)
                return samples.value("baton_queue_tasks", ["queue": "default"]) == nil
                    && samples.value("baton_tasks_finished_total", ["function": "baton.fail", "outcome": "failure"]) == 1
            }
            #expect(settled, "\(samples.filter { $0.name.hasPrefix("baton_queue") || $0.name.hasPrefix("baton_tasks") })")
            let (_, contentType) = try await MetricScrape.fetch(url)
            #expect(contentType?.hasPrefix("text/plain; version=0.0.4") == true, "\(contentType ?? "none")")

            // This process's own figures.
            let echo = ["function": "baton.echo", "queue": "default"]
            #expect(samples.value("baton_tasks_finished_total", echo.merging(["outcome": "success"]) { $1 }) == 20)
            #expect(samples.value("baton_task_attempts_total", echo.merging(["outcome": "success"]) { $1 }) == 20)
            #expect(samples.value("baton_task_attempts_total", ["function": "baton.fail", "outcome": "failure"]) == 2)
            #expect(samples.value("baton_task_run_seconds_count", echo) == 20)
            #expect(samples.value("baton_task_run_seconds_bucket", echo.merging(["le": "+Inf"]) { $1 }) == 20)
            #expect(samples.value("baton_task_run_seconds_bucket", echo.merging(["le": "0.001"]) { $1 }) != nil)
            #expect(samples.value("baton_task_run_seconds_bucket", echo.merging(["le": "3600.0"]) { $1 }) == 20)
            #expect(samples.value("baton_task_wait_seconds_count", echo) == 20)
            #expect((samples.value("baton_claim_batch_size_sum", ["queue": "default"]) ?? 0) >= 21)
            #expect(samples.value("baton_worker_slots", ["queue": "default"]) == 2)
            #expect(samples.value("baton_tasks_in_progress", ["queue": "default"]) == 0)
            #expect(samples.value("baton_listener_connected") == 1)
            // Across the queue, from the database: what no cluster here runs is counted too.
            let mail = ["queue": "mail", "function": Self.hostile]
            #expect(samples.value("baton_queue_tasks", mail.merging(["state": "queued"]) { $1 }) == 3)
            #expect(samples.value("baton_unclaimable_tasks", mail) == 3)
            #expect((samples.value("baton_queue_oldest_task_age_seconds", ["queue": "mail"]) ?? 0) > 0)
            #expect(samples.value("baton_queue_paused", ["queue": "held"]) == 1)
            #expect(samples.value("baton_clusters_alive") == 1)
            #expect(samples.value("baton_database_up") == 1)
            // Labels stay bounded: no sample names a task or a group.
            #expect(samples.allSatisfy { Set($0.labels.keys).isSubset(of: ["function", "queue", "outcome", "state", "le"]) },
                    "\(Set(samples.flatMap(\.labels.keys)))")
        }
    }

    @Test func aPortThatCannotBeUsedIsAClearErrorAndRunsNothing() async throws {
        try await TestDatabase.withBroker { broker in
            let refused = try TestDatabase.runWithStatus(
                try Binaries.path("baton"),
                ["cluster", "--metrics-port", "70000", "--database-url", broker.configuration.description])
            #expect(refused.status != 0 && refused.error.contains("--metrics-port is a port from 0 to 65535"), "\(refused.error)")
            let (first, port, _) = try await startCluster(["--workers", "1", "--metrics-port", "0"], on: broker)
            defer { first.terminate() }
            let taken = try #require(port)
            try await broker.execute(statements: "SELECT baton.async_task('baton.echo', '[1]') FROM generate_series(1, 5)")
            // A second cluster on the same port stops before it claims anything.
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = broker.configuration.conninfoForChildProcess
            let second = try TestDatabase.runWithStatus(
                try Binaries.path("baton"), ["cluster", "--metrics-port", "\(taken)", "--workers", "1"],
                environment: environment)
            #expect(second.status != 0, "\(second.error)")
            #expect(second.error.lowercased().contains("address already in use"), "\(second.error)")
            let drained = try await waitUntil {
                try await broker.pool.withConnection {
                    try await $0.query("SELECT count(*) FROM baton.results")[0].decode(0, as: Int.self)
                } == 5
            }
            let workers = try await broker.pool.withConnection {
                try await $0.query("SELECT count(DISTINCT worker) FROM baton.results")[0].decode(0, as: Int.self)
            }
            #expect(drained && workers == 1, "the second cluster ran tasks")
        }
    }
}
