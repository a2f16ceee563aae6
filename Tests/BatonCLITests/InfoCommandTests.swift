import Baton
import Foundation
import Testing
import TestSupport

/// `baton info` shows what django-q's qinfo and qmemory show, and counts chain links that
/// were cancelled before they ran apart from the tasks and failures.
@Suite struct InfoCommandTests {
    func info(_ url: String) throws -> [String: JSONValue] {
        let run = try TestDatabase.runWithStatus(try Binaries.path("baton"), ["info", "--json", "--database-url", url])
        guard case .object(let fields) = try JSONValue.parse(run.output) else { throw TestSupportError("info: \(run.output)") }
        return fields
    }

    @Test func eachClusterWithItsTasksDoneMemoryAndUptime() async throws {
        try await TestDatabase.withBroker { broker in
            let url = broker.configuration.description
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = url
            let cluster = try Binaries.start("baton", ["cluster", "--workers", "2", "--lease", "3"], environment: environment)
            defer { cluster.terminate() }
            let ids = try await broker.asyncTasks((0..<5).map { TaskCall("baton.echo", .int($0)) })
            _ = try await broker.result(ids[4], wait: .seconds(10))
            var shown: [String: JSONValue] = [:]
            let reported = try await waitUntil(.seconds(10)) {
                guard case .array(let clusters)? = try info(url)["clusters"], case .object(let first)? = clusters.first
                else { return false }
                shown = first
                return first["finished"] == 5
            }
            #expect(reported, "the heartbeat reports the tasks done: \(shown)")
            guard case .int(let rss)? = shown["rss_bytes"], case .double(let uptime)? = shown["uptime_seconds"] else {
                Issue.record("no memory or uptime: \(shown)")
                return
            }
            #expect(rss > 1_000_000 && rss < 2_000_000_000, "resident memory \(rss)")
            #expect(uptime >= 0 && uptime < 60)
        }
    }

    @Test func cancelledLinksAreCountedApart() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.asyncChain([ChainLink("baton.fail", "no"), ChainLink("baton.echo", 1)], sync: true)
            let hour = try info(broker.configuration.description)["last_hour"]
            #expect(hour == ["results": 1, "failures": 1, "cancelled": 1])
            let stats = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT tasks, failures, cancelled FROM baton.function_stats WHERE func = 'baton.echo'")[0]
            }
            #expect(try stats.decode("tasks", as: Int.self) == 0)
            #expect(try stats.decode("failures", as: Int.self) == 0)
            #expect(try stats.decode("cancelled", as: Int.self) == 1)
        }
    }
}
