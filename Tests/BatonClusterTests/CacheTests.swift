import BatonCluster
import Foundation
import Testing
import TestSupport

/// django-q's `cached=True` keeps a result until it is evicted; `cached=60` for 60 seconds.
@Suite struct CacheTests {
    /// Seconds from a cached result's end to its expiry.
    func keptFor(_ id: UUID, _ broker: Broker) async throws -> Double {
        try await broker.pool.withConnection { connection in
            try await connection.query(
                "SELECT extract(epoch FROM expires_at - stopped_at)::float8 FROM baton.cached_results WHERE id = $1", id
            )[0].decode(0)
        }
    }

    @Test func cachedTrueKeepsTheResultUntilItIsDeleted() async throws {
        try await TestDatabase.withBroker { broker in
            let forever = try await broker.asyncTask("baton.echo", args: [1], cached: true, sync: true)
            let minute = try await broker.asyncTask("baton.echo", args: [2], cached: 60, sync: true)
            let brief = try await broker.asyncTask("baton.echo", args: [3], cached: .expiring(after: .milliseconds(50)), sync: true)
            #expect(try await keptFor(forever, broker) > 100 * 365 * 86_400, "no expiry that a result outlives")
            #expect(abs(try await keptFor(minute, broker) - 60) < 1)
            try await Task.sleep(for: .milliseconds(100))
            try await broker.pool.withConnection { connection in try await broker.worker.pruneExpired(on: connection) }
            #expect(try await broker.result(forever) == [1])
            #expect(try await broker.result(minute) == [2])
            #expect(try await broker.result(brief) == nil)
            #expect(try await count("SELECT count(*) FROM baton.cached_results", on: broker) == 2)
            #expect(try await count("SELECT count(*) FROM baton.results", on: broker) == 0)
        }
    }

    @Test func aCachedChainKeepsEveryLink() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = Chain(cached: true, broker: broker)
            chain.append("baton.echo", 1)
            chain.append("baton.echo", 2)
            let results = try await withCluster(broker) {
                try await chain.run()
                return try await chain.result()
            }
            #expect(results == [[1], [2]])
            let kept = try await count(
                "SELECT count(*) FROM baton.cached_results WHERE expires_at > now() + interval '100 years'", on: broker)
            #expect(kept == 2)
        }
    }

    /// django-q's `*_cached` calls read the cache only; delete_cached and delete_group_cached.
    @Test func cachedOnlyReadsAndDeletes() async throws {
        try await TestDatabase.withBroker { broker in
            let stored = try await asyncTask("baton.echo", 1, group: "mixed", sync: true, broker: broker)
            let cachedID = try await asyncTask("baton.echo", 2, group: "mixed", cached: true, sync: true, broker: broker)
            try await asyncTask("baton.echo", 3, group: "mixed", cached: true, sync: true, broker: broker)
            #expect(try await result(stored, broker: broker) == [1])
            #expect(try await result(stored, cached: true, broker: broker) == nil, "not in the cache")
            #expect(try await result(cachedID, cached: true, broker: broker) == [2])
            #expect(try await countGroup("mixed", broker: broker) == 3)
            #expect(try await countGroup("mixed", cached: true, broker: broker) == 2)
            #expect(Set(try #require(try await resultGroup("mixed", cached: true, broker: broker))) == [[2], [3]])
            #expect(try await fetchGroup("mixed", count: 2, cached: true, broker: broker)?.count == 2)
            #expect(try await deleteCached(cachedID, broker: broker))
            #expect(try await deleteCached(cachedID, broker: broker) == false, "already gone")
            #expect(try await deleteCached(stored, broker: broker) == false, "delete_cached leaves baton.results alone")
            #expect(try await deleteGroupCached("mixed", broker: broker) == 1)
            #expect(try await resultGroup("mixed", broker: broker) == [[1]])
        }
    }
}
