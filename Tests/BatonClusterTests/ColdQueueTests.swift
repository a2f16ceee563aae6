import Baton
import Foundation
import LibPQ
import Testing
import TestSupport

/// A queue autovacuum has not analysed (a new database, here with autovacuum off on the
/// table): a claim and a completion read the rows they need, not the whole queue. Counted
/// from pg_stat_xact_user_tables (rows fetched and scanned in the transaction) for
/// baton.tasks. Before 0016 a claim of 10 read every queued task and a completion of one
/// task read every running one.
@Suite struct ColdQueueTests {
    /// Rows of baton.tasks read in the transaction so far, by index and sequential scans.
    func rowsRead(_ tx: Transaction) async throws -> Int {
        try await tx.query("""
            SELECT coalesce(idx_tup_fetch, 0) + coalesce(seq_tup_read, 0)
            FROM pg_stat_xact_user_tables WHERE relid = 'baton.tasks'::regclass
            """)[0].decode(0, as: Int.self)
    }

    @Test func claimingAndCompletingReadFewRowsOfAnUnanalysedQueue() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.pool.withConnection { connection in
                try await connection.execute(script: """
                    ALTER TABLE baton.tasks SET (autovacuum_enabled = off);
                    SELECT count(baton.async_task('baton.echo', jsonb_build_array(i))) FROM generate_series(1, 20000) AS i;
                    """)
                let analysed = try await connection.query(
                    "SELECT reltuples FROM pg_class WHERE oid = 'baton.tasks'::regclass")[0].decode(0, as: Double.self)
                #expect(analysed < 0, "never analysed")
            }
            // 500 running, then one claim of 10 and the completion of one of them.
            let running = try await broker.pool.transaction { tx in
                try await tx.query("SELECT id FROM baton.claim_tasks('{baton.echo}', 500, 'cold-owner', '1 minute')")
                    .map { try $0.decode("id", as: UUID.self) }
            }
            #expect(running.count == 500)
            try await broker.pool.transaction { tx in
                let before = try await rowsRead(tx)
                let claimed = try await tx.query(
                    "SELECT id FROM baton.claim_tasks('{baton.echo}', 10, 'cold-owner', '1 minute')")
                #expect(claimed.count == 10)
                let claimRead = try await rowsRead(tx) - before
                #expect(claimRead <= 100, "the claim read \(claimRead) rows of 19,500 queued")

                let id = try claimed[0].decode("id", as: UUID.self)
                let outcomes = #"[{"id": "\#(id.lowercasedText)", "ok": true, "result": null}]"#
                let lost = try await tx.query(
                    "SELECT lost FROM baton.complete_tasks('cold-owner', $1::jsonb, '{}', '1 minute')", outcomes)
                #expect(lost.isEmpty)
                let completionRead = try await rowsRead(tx) - before - claimRead
                #expect(completionRead <= 20, "the completion read \(completionRead) rows; 509 are running")
            }
            let recorded = try await count("SELECT count(*) FROM baton.results WHERE result IS NULL AND success", on: broker)
            #expect(recorded == 1, "a JSON null result is recorded as NULL")
        }
    }

    /// A session's completions on a queue of a few tasks, then on one of 22,000 never
    /// analysed, 500 of them running: the later ones read only the rows they need. Plans
    /// kept from the first calls would not (generic plans, tried: 66,023 rows read, and
    /// with sequential scans off 4,015: every waiting link of every chain).
    @Test func completionPlansMadeOnATinyQueueHoldOnALargeOne() async throws {
        try await TestDatabase.withBroker { broker in
            let session = try await Connection.connect(broker.pool.configuration)
            _ = try await session.query("ALTER TABLE baton.tasks SET (autovacuum_enabled = off)")
            // Every path of the completion, on a queue of a few tasks: a retried failure, a
            // failed link of a chain that stops, a link whose next one is leased, a plain task.
            func completeOnePerPath(read limit: Int, _ label: String) async throws {
                _ = try await session.query("""
                    SELECT baton.async_task('baton.fail', '["once"]', max_attempts => 2, retry_delay => '1 hour',
                                            priority => 1),
                           baton.async_chain('[["baton.fail", ["x"], {}, {"priority": 1}], ["baton.echo", [1]]]'),
                           baton.async_chain('[["baton.echo", [2], {}, {"priority": 1}], ["baton.echo", [3]]]'),
                           baton.async_task('baton.echo', '[4]', priority => 1)
                    """)
                try await session.transaction { tx in
                    let claimed = try await tx.query("""
                        SELECT id, func FROM baton.claim_tasks('{baton.echo,baton.fail}', 4, 'cold-owner', '1 minute')
                        """)
                    #expect(claimed.count == 4)
                    let outcomes = try "[" + claimed.map { row in
                        let id = try row.decode("id", as: UUID.self).lowercasedText
                        return try row.decode("func", as: String.self) == "baton.fail"
                            ? #"{"id": "\#(id)", "ok": false, "error": "x"}"# : #"{"id": "\#(id)", "ok": true, "result": 1}"#
                    }.joined(separator: ",") + "]"
                    let before = try await rowsRead(tx)
                    let rows = try await tx.query(
                        "SELECT lost, (task).id FROM baton.complete_tasks('cold-owner', $1::jsonb, '{baton.echo}', '1 minute')",
                        outcomes)
                    #expect(rows.count == 1, "one next link leased, none lost")
                    let read = try await rowsRead(tx) - before
                    #expect(read <= limit, "\(label): the completion read \(read) rows of baton.tasks")
                }
            }
            try await completeOnePerPath(read: 20, "a tiny queue")
            // 20,000 queued behind them (priority 0), 500 of which another cluster runs, and
            // 1,000 chains of a function the claims leave alone; none of it analysed.
            _ = try await session.query("""
                SELECT count(baton.async_task('baton.echo', '[0]')) FROM generate_series(1, 20000);
                """)
            _ = try await session.query("""
                SELECT count(baton.async_chain('[["math.floor", [0]], ["math.floor", [0]]]')) FROM generate_series(1, 1000)
                """)
            _ = try await broker.pool.withConnection {
                try await $0.query("SELECT count(*) FROM baton.claim_tasks('{baton.echo}', 500, 'other-owner', '1 minute')")
            }
            let analysed = try await session.query(
                "SELECT reltuples FROM pg_class WHERE oid = 'baton.tasks'::regclass")[0].decode(0, as: Double.self)
            #expect(analysed < 1000, "not analysed since it filled")
            try await completeOnePerPath(read: 40, "a queue of 22,000 never analysed, 500 running")
        }
    }

    /// Statistics taken while every task was queued say that none runs: a completion still
    /// finds its tasks by primary key, not by reading every running task in the lease index
    /// (before 0018: 501 rows read here to complete one task, 18,000 index entries a
    /// completion in a drain of 40,000 by twenty clusters).
    @Test func aCompletionReadsItsTasksByPrimaryKeyWhenTheStatisticsSayNoneRuns() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.pool.withConnection { connection in
                try await connection.execute(script: """
                    SELECT count(baton.async_task('baton.echo', '[0]')) FROM generate_series(1, 20000);
                    ANALYZE baton.tasks;
                    SELECT count(*) FROM baton.claim_tasks('{baton.echo}', 500, 'other-owner', '1 minute');
                    """)
            }
            try await broker.pool.transaction { tx in
                let id = try await tx.query("SELECT id FROM baton.claim_tasks('{baton.echo}', 1, 'cold-owner', '1 minute')")[0]
                    .decode("id", as: UUID.self)
                let before = try await rowsRead(tx)
                let outcomes = #"[{"id": "\#(id.lowercasedText)", "ok": true, "result": 1}]"#
                let lost = try await tx.query(
                    "SELECT lost FROM baton.complete_tasks('cold-owner', $1::jsonb, '{}', '1 minute')", outcomes)
                #expect(lost.isEmpty)
                let read = try await rowsRead(tx) - before
                #expect(read <= 5, "the completion read \(read) rows; 501 are running")
            }
        }
    }
}
