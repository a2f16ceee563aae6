import BatonCluster
import Foundation
import Testing
import TestSupport

/// django-q's `save=False`: a successful result is not kept; a failure still is. Waiting on
/// what will never be recorded ends once the work has finished, instead of for ever.
@Suite struct SaveTests {
    @Test func anUnsavedSuccessLeavesNoRowAndAFailureIsKept() async throws {
        try await TestDatabase.withBroker { broker in
            let (unsaved, failed, saved, waited) = try await withCluster(broker) {
                let unsaved = try await broker.asyncTask("baton.sleep", args: [200], save: false)
                let failed = try await broker.asyncTask("baton.fail", args: ["kept"], save: false)
                let saved = try await broker.asyncTask("baton.echo", args: ["kept"])
                // Waited on while it runs: the wait ends when it leaves the queue unrecorded.
                let started = ContinuousClock.now
                let waited = try await broker.result(unsaved, wait: .seconds(60))
                #expect(ContinuousClock.now - started < .seconds(30), "the wait ended when the task finished")
                _ = try await broker.result(failed, wait: .seconds(10))
                _ = try await broker.result(saved, wait: .seconds(10))
                return (unsaved, failed, saved, waited)
            }
            #expect(waited == nil)
            #expect(try await broker.fetch(unsaved) == nil)
            let left = try await count("SELECT count(*) FROM baton.tasks WHERE id = $1", unsaved, on: broker)
            #expect(left == 0, "it ran and left")
            let failure = try #require(try await broker.fetch(failed))
            #expect(!failure.success && failure.error?.contains("kept") == true, "a failure is kept whatever save says")
            #expect(try await broker.result(saved) == ["kept"])
        }
    }

    @Test func fromSQLInBulkAndCachedAsDjangoQDoes() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.pool.withConnection { connection in
                _ = try await connection.query("SELECT baton.async_task('baton.echo', '[\"sql\"]', save => false)")
            }
            let bulk = try await broker.asyncTasks(
                [TaskCall("baton.echo", 1), TaskCall("baton.echo", 2, options: LinkOptions(save: true))], save: false)
            // The cache is where cached results go whatever save says, as in django-q.
            let cached = try await broker.asyncTask("baton.echo", args: ["cache"], cached: true, save: false)
            let drained = try await withCluster(broker) {
                try await waitUntil(.seconds(20)) { try await count("SELECT count(*) FROM baton.tasks", on: broker) == 0 }
            }
            #expect(drained)
            let kept = try await count("SELECT count(*) FROM baton.results", on: broker)
            #expect(kept == 1, "only the task that said save: true")
            #expect(try await broker.result(bulk[1]) == [2])
            #expect(try await broker.result(bulk[0]) == nil)
            #expect(try await broker.result(cached, cached: true) == ["cache"])
        }
    }

    @Test(.timeLimit(.minutes(1))) func aChainWithAnUnsavedLinkEndsItsWait() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = Chain(broker: broker)
            chain.append("baton.echo", 0)
            chain.append("baton.echo", 1, options: LinkOptions(save: false))
            chain.append("baton.echo", 2)
            let (results, records) = try await withCluster(broker) {
                try await chain.run()
                // Three links, two results: the wait ends when the chain has finished.
                return (try await chain.result(), try await chain.fetch())
            }
            #expect(results == [[0], [2]])
            #expect(records.map(\.chainPosition) == [0, 2])
            #expect(try await chain.current() == 3)
        }
    }
}
