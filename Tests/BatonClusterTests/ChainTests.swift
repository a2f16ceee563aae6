import BatonCluster
import Foundation
import Testing
import TestSupport

@Suite struct ChainTests {
    @Test func tenLinksRunInOrderOneAfterAnother() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = Chain(broker: broker)
            for position in 0..<10 { chain.append("test.step", .int(position)) }
            let (results, positions, records) = try await withCluster(broker) {
                try await chain.run()
                var positions: [Int] = []
                while positions.last != 10 {
                    let current = try #require(try await chain.current())
                    if current != positions.last { positions.append(current) }
                    try await Task.sleep(for: .milliseconds(5))
                }
                return (try await chain.result(wait: .seconds(10)), positions,
                        try await chain.fetch(wait: .seconds(10)))
            }
            #expect(results == (0..<10).map { .int($0) })
            // current() moved 0, 1, ... up to the length, never back.
            #expect(positions.first == 0)
            #expect(positions == positions.sorted())
            #expect(positions.count >= 5)
            let links = try #require(records)
            #expect(links.map(\.chainPosition) == Array(0..<10))
            for (previous, next) in zip(links, links.dropFirst()) {
                let started = try #require(next.startedAt)
                #expect(started >= previous.stoppedAt, "link \(next.chainPosition!) started before link \(previous.chainPosition!) stopped")
            }
        }
    }

    @Test func continuePolicyRunsTheRestAfterAFailure() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = Chain(policy: .continue, broker: broker)
            chain.append("baton.echo", 0)
            chain.append("baton.fail", "boom")
            chain.append("baton.echo", 2)
            let (all, succeeded, results) = try await withCluster(broker) {
                try await chain.run()
                return (try await chain.fetch(failures: true, wait: .seconds(10)),
                        try await chain.fetch(failures: false, wait: .seconds(10)),
                        try await chain.result(wait: .seconds(10)))
            }
            let records = try #require(all)
            try #require(records.map(\.success) == [true, false, true])
            #expect(records[1].error == "boom")
            #expect(try #require(succeeded).map(\.chainPosition) == [0, 2])
            #expect(results == [[0], [2]])
        }
    }

    @Test func stopPolicyRecordsTheRestAsCancelledAndTheChainEnds() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = Chain(broker: broker)
            chain.append("baton.echo", 0)
            chain.append("baton.fail", "boom")
            chain.append("baton.echo", 2)
            chain.append("baton.echo", 3)
            let records = try await withCluster(broker) {
                try await chain.run()
                return try await chain.fetch(wait: .seconds(10))
            }
            let links = try #require(records, "the chain should end, not leave its waiter hanging")
            try #require(links.map(\.success) == [true, false, false, false])
            #expect(links[2].error == "cancelled: link 1 (baton.fail) failed")
            #expect(links[3].attempts == 0)
            #expect(try await chain.current() == 4)
            let state = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT state FROM baton.chain_status WHERE group_id = $1", chain.groupID!)[0]
                    .decode("state", as: String.self)
            }
            #expect(state == "failed")
        }
    }

    @Test func resultWaitsUntilTheChainHasFinished() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = Chain(broker: broker)
            chain.append("baton.echo", 1)
            chain.append("baton.echo", 2)
            try await chain.run()
            // No cluster yet: a bounded wait runs out with nothing, the unbounded one waits on.
            let bounded = try await chain.result(wait: .milliseconds(100))
            #expect(bounded == nil)
            #expect(try await chain.current() == 0)
            #expect(chain.length() == 2)
            let waiter = Task { try await chain.result() }
            let fetcher = Task { try await chain.fetch() }
            try await Task.sleep(for: .milliseconds(300))
            let results = try await withCluster(broker) {
                (try await waiter.value, try await fetcher.value)
            }
            #expect(results.0 == [[1], [2]])
            #expect(results.1.map(\.chainPosition) == [0, 1])
        }
    }

    @Test func aBoundedWaitReturnsTheLinksFinishedSoFar() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = Chain(broker: broker)
            chain.append("baton.echo", 1)
            chain.append("nobody.has.this", 2)
            try await chain.run()
            let (partial, elapsed) = try await withCluster(broker) {
                // Once link 0 is done, link 1 (a function no worker has) keeps the chain unfinished.
                _ = try await broker.resultGroup(chain.groupID!, wait: .seconds(30))
                let started = ContinuousClock.now
                return (try await chain.result(wait: .milliseconds(700)), ContinuousClock.now - started)
            }
            #expect(elapsed >= .milliseconds(700), "waited for the whole chain first: \(elapsed)")
            #expect(partial == [[1]])
            let records = try await chain.fetch(wait: .milliseconds(50))
            #expect(records?.map(\.chainPosition) == [0])
        }
    }

    /// django-q's Chain returns None from result(), fetch() and current() before run().
    @Test func beforeRunThereIsNothing() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = Chain(broker: broker)
            chain.append("baton.echo", 1)
            let result = try await chain.result(wait: .seconds(1))
            let fetched = try await chain.fetch(wait: .forever)
            let current = try await chain.current()
            #expect(result == nil && fetched == nil && current == nil)
            // The waiting form has no nil to return: it says what is wrong.
            let error = await #expect(throws: BatonError.self) { try await chain.result() }
            #expect(error?.message.contains("call run() first") == true)
        }
    }

    @Test func aChainNeedsAGroupOfItsOwn() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.asyncChain([ChainLink("baton.echo", 1)], group: "orders")
            let error = await #expect(throws: BatonError.self) {
                try await broker.asyncChain([ChainLink("baton.echo", 2)], group: "orders")
            }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("already exists") == true)
        }
    }
}
