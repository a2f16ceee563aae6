import BatonCluster
import Foundation
import Testing
import TestSupport

/// Tasks given the same group form a group: results, counts and deletion by group.
@Suite struct GroupTests {
    @Test func aGroupsResultsCountsAndDeletion() async throws {
        try await TestDatabase.withBroker { broker in
            let group = "report \"2026\"; DROP TABLE x; -- 日本 " + String(repeating: "x", count: 500)
            let (results, records) = try await withCluster(broker) {
                for value in 1...3 { try await asyncTask("baton.echo", .int(value), group: group, broker: broker) }
                try await asyncTask("baton.fail", "no", group: group, broker: broker)
                return (try await resultGroup(group, wait: .seconds(10), count: 4, broker: broker),
                        try await fetchGroup(group, wait: .seconds(10), count: 4, broker: broker))
            }
            #expect(Set(try #require(results)) == [[1], [2], [3]])
            #expect(try #require(records).count == 4)
            let all = try await countGroup(group, broker: broker)
            let failed = try await countGroup(group, failures: true, broker: broker)
            #expect(all == 4)
            #expect(failed == 1)
            let withFailures = try await resultGroup(group, failures: true, broker: broker)
            #expect(withFailures?.contains("no") == true)
            let deleted = try await deleteGroup(group, tasks: true, broker: broker)
            #expect(deleted == 4)
            let exists = try await broker.groupExists(group)
            #expect(!exists)
        }
    }

    @Test func onlyDeletingWithTasksRemovesUnfinishedOnes() async throws {
        try await TestDatabase.withBroker { broker in
            try await asyncTask("baton.echo", 1, group: "pending", broker: broker)
            #expect(try await deleteGroup("pending", broker: broker) == 0, "no result left the group")
            #expect(try await queueSize(broker: broker) == 1, "the queued task stays")
            try await deleteGroup("pending", tasks: true, broker: broker)
            #expect(try await queueSize(broker: broker) == 0)
        }
    }

    @Test func aTaskResultAndItsRecord() async throws {
        try await TestDatabase.withBroker { broker in
            let (value, record) = try await withCluster(broker) {
                let id = try await asyncTask("math.pow", 2, 10, broker: broker)
                return (try await result(id, wait: .seconds(10), broker: broker),
                        try await fetch(id, wait: .seconds(10), broker: broker))
            }
            #expect(value == 1024.0)
            let task = try #require(record)
            #expect(task.function == "math.pow")
            #expect(task.args == [2, 10])
            #expect(task.success && task.error == nil && task.attempts == 1)
            #expect(task.worker?.contains(":") == true)
            #expect(task.startedAt.map { $0 >= task.enqueuedAt } == true)
            #expect(task.startedAt.map { $0 <= task.stoppedAt } == true)
            #expect(!task.cached)
        }
    }

    @Test func syncTaskRunsInThisProcess() async throws {
        try await TestDatabase.withBroker { broker in
            let id = try await asyncTask("math.fsum", [1e100, 1.0, -1e100, 1.0], sync: true, broker: broker)
            let value = try await result(id, broker: broker)
            #expect(value == 2.0)
        }
    }
}
