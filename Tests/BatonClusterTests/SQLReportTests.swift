import BatonCluster
import Foundation
import Testing
import TestSupport

/// The report queries of docs/sql.md, run as written against finished, failed and running chains.
@Suite struct SQLReportTests {
    /// The ```sql blocks of docs/sql.md that are reports (after the "## Reports" heading).
    func reportQueries() throws -> [String] {
        let text = try String(
            contentsOf: TestDatabase.repositoryRoot.appendingPathComponent("docs/sql.md"), encoding: .utf8)
        let reports = try #require(text.components(separatedBy: "## Reports").last)
        return reports.components(separatedBy: "```sql\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
    }

    @Test func everyReportRunsAndFindsItsRows() async throws {
        let queries = try reportQueries()
        #expect(queries.count >= 5)
        try await TestDatabase.withBroker { broker in
            try await withCluster(broker) {
                let done = try await broker.asyncChain([ChainLink("test.step", 1), ChainLink("test.step", 2)])
                let failed = try await broker.asyncChain([ChainLink("baton.fail", "boom"), ChainLink("baton.echo", 1)])
                _ = try await broker.resultGroup(done, wait: .seconds(10), count: 2)
                _ = try await broker.resultGroup(failed, wait: .seconds(10), count: 2)
            }
            // Not run: no cluster is left, so this chain stays queued.
            try await broker.asyncChain([ChainLink("baton.echo", 1)], group: "still-queued")
            try await broker.pool.withConnection { connection in
                for query in queries {
                    let rows = try await connection.query(query)
                    #expect(!rows.isEmpty, "no rows from: \(query)")
                }
                let chains = try await connection.query(queries[2])
                #expect(try chains.map { try $0.decode("group_id", as: String.self) } == ["still-queued"])
                let outcomes = try await connection.query(queries[4])
                #expect(Set(try outcomes.map { try $0.decode("state", as: String.self) }) == ["done", "failed"])
            }
        }
    }
}
