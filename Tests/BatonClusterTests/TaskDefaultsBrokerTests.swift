import BatonCluster
import Foundation
import Testing
import TestSupport

/// A broker's defaults apply to every enqueue that leaves the option out; what a call says wins.
@Suite struct TaskDefaultsBrokerTests {
    @Test func callsThatSayNothingTakeTheBrokersDefaults() async throws {
        try await TestDatabase.withBroker { plain in
            let defaults = TaskDefaults(sync: true, cached: true, maxAttempts: 2, retryDelay: .milliseconds(10))
            try await Broker.with(configuration: plain.configuration, defaults: defaults) { broker in
                let failed = try await asyncTask("baton.fail", "no", broker: broker)
                let record = try #require(try await broker.fetch(failed))
                #expect(record.attempts == 2 && record.cached, "run in the caller, twice, into the cache")
                let chain = Chain(broker: broker)
                chain.append("math.floor", 2.5)
                try await chain.run()
                #expect(try await chain.result() == [2], "a chain runs in the caller too")
                // A call that says otherwise is queued, once, into baton.results.
                let queued = try await asyncTask("baton.echo", 1, cached: false, sync: false, broker: broker, maxAttempts: 1)
                #expect(try await broker.result(queued) == nil)
                #expect(try await count("SELECT count(*) FROM baton.tasks WHERE cache_ttl IS NULL AND max_attempts = 1", on: broker) == 1)
            }
        }
    }

    @Test func theCommandLineTakesTheEnvironmentsDefaults() async throws {
        try await TestDatabase.withBroker { broker in
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_SYNC"] = "1"
            environment["BATON_MAX_ATTEMPTS"] = "3"
            environment["BATON_RETRY_DELAY"] = "0.01"
            let run = try TestDatabase.runWithStatus(
                try Binaries.path("baton"), ["task", "baton.fail", "again", "--database-url", broker.configuration.description],
                environment: environment)
            #expect(run.status == 0, "\(run.error)")
            let record = try #require(try await broker.fetch(run.output.trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(record.attempts == 3 && record.worker?.hasSuffix(":sync") == true)
        }
    }
}
