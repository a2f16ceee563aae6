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
                    let current = try await chain.current()
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
            #expect(records.map(\.success) == [true, false, true])
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
            #expect(links.map(\.success) == [true, false, false, false])
            #expect(links[2].error == "cancelled: link 1 (baton.fail) failed")
            #expect(links[3].attempts == 0)
            let observed1 = try await chain.current()
            #expect(observed1 == 4)
            let state = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT state FROM baton.chain_status WHERE group_id = $1", chain.groupID!)[0]
                    .decode("state", as: String.self)
            }
            #expect(state == "failed")
        }
    }

    @Test func resultIsNilWhileTheChainRuns() async throws {
        try await TestDatabase.withBroker { broker in
            let chain = Chain(broker: broker)
            chain.append("baton.echo", 1)
            try await chain.run()
            // No cluster runs it: unfinished, so nil, at once and after a short wait.
            let observed2 = try await chain.result()
            #expect(observed2 == nil)
            let observed3 = try await chain.result(wait: .milliseconds(100))
            #expect(observed3 == nil)
            let observed4 = try await chain.current()
            #expect(observed4 == 0)
            #expect(chain.length() == 1)
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
