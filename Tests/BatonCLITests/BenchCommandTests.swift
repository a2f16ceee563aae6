import Baton
import Foundation
import Testing
import TestSupport

/// `baton bench` runs every workload, prints each figure, and leaves no database behind.
/// (Its figures are not checked here: benchmarks print numbers, tests check behaviour.)
@Suite struct BenchCommandTests {
    @Test func aSmallBenchReportsEveryFigureAndCleansUp() async throws {
        // With a PgBouncer (make test starts one), W1 and W2 are measured through it too.
        let bouncer = ProcessInfo.processInfo.environment["BATON_PGBOUNCER_URL"].flatMap { $0.isEmpty ? nil : $0 }
        let run = try TestDatabase.runWithStatus(
            try Binaries.path("baton"),
            ["bench", "--baseline", "--tasks", "200", "--chains", "5", "--links", "3", "--trials", "5", "--repeat", "1",
             "--backlog", "400", "--duration", "2", "--history", "2000", "--json",
             "--database-url", TestDatabase.configuration.description] + (bouncer.map { ["--pgbouncer-url", $0] } ?? []))
        #expect(run.status == 0, "\(run.error)")
        guard case .array(let rows) = try JSONValue.parse(run.output) else {
            Issue.record("not a JSON array: \(run.output)")
            return
        }
        var figures: [String: [String: JSONValue]] = [:]
        for case .object(let row) in rows { if case .string(let name)? = row["name"] { figures[name] = row } }
        #expect(figures.count == (bouncer == nil ? 41 : 44))
        if bouncer != nil {
            #expect(figures["W1 processing, 4 workers, through PgBouncer, unprepared"]?["ratio_to_baseline"] != nil)
            #expect(figures["W2 chain links, through PgBouncer, unprepared"]?["ratio_to_baseline"] != nil)
        }
        for (name, row) in figures {
            guard case .double(let median)? = row["median"] else { Issue.record("\(name) has no median"); continue }
            // A hand-off may round to 0 ms, and a short run may leave no dead tuples; nothing is negative.
            let mayBeZero = name.contains("hand-off") || name.contains("dead tuples")
            #expect(mayBeZero ? median >= 0 : median > 0, "\(name)")
        }
        #expect(figures["W2 chain links, 5 chains of 3"]?["ratio_to_baseline"] != nil)
        #expect(figures["W1 enqueue, one per call"]?["ratio_to_baseline"] != nil)
        #expect(figures["W1 processing, 4 workers, 2000 results recorded before"]?["ratio_to_baseline"] != nil)
        #expect(figures["W1 processing, 4 workers, an empty history, alternating with the next"]?["median"] != nil)
        #expect(figures["SQL enqueue: baton.async_task per call, 16 clients, a cluster running them"]?["ratio_to_baseline"] != nil)
        #expect(figures["SQL enqueue: the same with a NOTIFY in each call (before 0017)"]?["ratio_to_baseline"] != nil)
        #expect(figures["W1 enqueue in bulk, asyncTasks of 5,000"]?["ratio_to_baseline"] != nil)
        #expect(figures["backlog: processing with 400 queued"]?["ratio_to_baseline"] != nil)
        #expect(figures["cluster process: peak RSS, all 400 tasks"]?["ratio_to_baseline"] != nil)
        #expect(figures["sustained 2 s: last half"]?["ratio_to_baseline"] != nil)
        #expect(figures["cold drain: baton cluster process on 200 SQL-enqueued, never analysed"]?["ratio_to_baseline"] != nil)
        #expect(figures["cold drain: the same, analysed empty, after churn of 1000"]?["ratio_to_baseline"] != nil)
        #expect(figures["W1 processing, 4 workers, vs Baton's writes"]?["ratio_to_baseline"] != nil)
        #expect(figures["clusters: 3 processes of 4 workers"]?["ratio_to_baseline"] != nil)
        #expect(figures["clusters: 20 processes of 1 worker"]?["ratio_to_baseline"] != nil)
        let left = try await TestDatabase.connect().query(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'baton_bench_%'")[0].decode(0, as: Int.self)
        #expect(left == 0, "the bench dropped its database")
    }
}
