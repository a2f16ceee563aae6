import BatonCluster
import Foundation
import Testing
import TestSupport

/// `broker.worker.claim` (`baton.claim_tasks`): the claim order, and each task leased once.
@Suite struct ClaimTests {
    func claim(_ broker: Broker, limit: Int, owner: String = "claim-test") async throws -> [ClaimedTask] {
        try await broker.pool.withConnection { connection in
            try await broker.worker.claim(functions: ["baton.echo"], limit: limit, owner: owner, lease: .seconds(30), on: connection)
        }
    }

    @Test func aClaimTakesTheHighestPriorityFirstThenTheOldest() async throws {
        try await TestDatabase.withBroker { broker in
            for index in 0..<60 {
                try await broker.asyncTask("baton.echo", args: [.int(index)], priority: index % 3)
            }
            let numbers = { (tasks: [ClaimedTask]) in tasks.map(\.args) }
            let expected = { (priority: Int) in (0..<60).filter { $0 % 3 == priority }.map { [JSONValue.int($0)] } }

            let first = try await claim(broker, limit: 30)
            #expect(numbers(first) == expected(2) + expected(1).prefix(10))
            let rest = try await claim(broker, limit: 100)
            #expect(numbers(rest) == expected(1).dropFirst(10) + expected(0))
            #expect(try await claim(broker, limit: 100).isEmpty)
        }
    }

    @Test func concurrentClaimersNeverLeaseOneTaskTwice() async throws {
        try await TestDatabase.withBroker { broker in
            _ = try await broker.asyncTasks((0..<1_000).map { TaskCall("baton.echo", .int($0)) })
            let claimed = try await withThrowingTaskGroup(of: [ClaimedTask].self) { group in
                for claimer in 0..<4 {
                    group.addTask {
                        var mine: [ClaimedTask] = []
                        while case let batch = try await claim(broker, limit: 37, owner: "claimer-\(claimer)"),
                              !batch.isEmpty {
                            mine += batch
                        }
                        return mine
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(claimed.count == 1_000)
            #expect(Set(claimed.map(\.id)).count == 1_000, "no task was leased to two claimers")
            let running = try await count(
                "SELECT count(*) FROM baton.tasks WHERE state = 'running' AND attempts = 1", on: broker)
            #expect(running == 1_000)
        }
    }

    @Test func tasksEnqueuedTogetherAreClaimedInTheOrderGiven() async throws {
        try await TestDatabase.withBroker { broker in
            let ids = try await broker.asyncTasks((0..<300).map { TaskCall("baton.echo", .int($0)) })
            #expect(ids == ids.sorted { $0.lowercasedText < $1.lowercasedText }, "ids increase in the order given")
            let claimed = try await claim(broker, limit: 300)
            #expect(claimed.map(\.args) == (0..<300).map { [JSONValue.int($0)] })
        }
    }

    @Test func idsAreVersion7InTimeOrderFromSwiftAndFromSQL() async throws {
        try await TestDatabase.withBroker { broker in
            let started = Date()
            var ids = [try await broker.asyncTask("baton.echo")]
            for _ in 0..<3 {
                try await Task.sleep(for: .milliseconds(3))
                ids += try await broker.asyncTasks([TaskCall("baton.echo")])
                try await Task.sleep(for: .milliseconds(3))
                ids.append(try await broker.asyncTask("baton.echo"))
            }
            let texts = ids.map(\.lowercasedText)
            #expect(texts == texts.sorted(), "each later id is greater: \(texts)")
            for text in texts {
                let digits = Array(text)
                #expect(digits[14] == "7", "version 7: \(text)")
                #expect("89ab".contains(digits[19]), "RFC 9562 variant: \(text)")
                let milliseconds = Double(Int(text.prefix(8) + text.dropFirst(9).prefix(4), radix: 16) ?? 0)
                #expect(abs(milliseconds / 1000 - started.timeIntervalSince1970) < 60, "the time it was made: \(text)")
            }
        }
    }
}
