import BatonCluster
import Foundation
import Logging
import Testing
import TestSupport

/// django-q's `delete_group`: without tasks the results leave the group; with tasks they
/// are deleted, and a chain that runs stops cleanly.
@Suite struct DeleteGroupTests {
    @Test func withoutTasksTheResultsLeaveTheGroupAndStay() async throws {
        try await TestDatabase.withBroker { broker in
            for value in 1...2 { try await asyncTask("baton.echo", .int(value), group: "report", sync: true, broker: broker) }
            let ungrouped = try await deleteGroup("report", broker: broker)
            #expect(ungrouped == 2)
            #expect(try await resultGroup("report", broker: broker) == nil)
            #expect(try await countGroup("report", broker: broker) == 0)
            #expect(try await count("SELECT count(*) FROM baton.results WHERE group_id IS NULL", on: broker) == 2)
            #expect(try await broker.groupExists("report") == false)
        }
    }

    @Test func withoutTasksAnUnfinishedTaskStillJoinsTheGroupLater() async throws {
        try await TestDatabase.withBroker { broker in
            try await asyncTask("baton.echo", 1, group: "half", sync: true, broker: broker)
            let later = try await asyncTask("baton.echo", 2, group: "half", broker: broker)
            #expect(try await deleteGroup("half", broker: broker) == 1)
            #expect(try await broker.groupExists("half"), "its unfinished task keeps the group")
            let results = try await withCluster(broker) {
                _ = try await broker.result(later, wait: .seconds(10))
                return try await resultGroup("half", broker: broker)
            }
            #expect(results == [[2]])
        }
    }

    @Test func withTasksARunningChainStopsAndItsWaitersReturn() async throws {
        try await TestDatabase.withBroker { broker in
            let log = CapturedLog()
            let chain = Chain(broker: broker)
            for _ in 0..<3 { chain.append("baton.sleep", 800) }
            try await chain.run()
            let group = try #require(chain.groupID)
            let waiter = Task { try await chain.result() }
            let (deleted, results) = try await withCluster(broker, logger: Logger(label: "test") { _ in log }) {
                let running = try await waitUntil(.seconds(10)) {
                    try await count("SELECT count(*) FROM baton.tasks WHERE state = 'running'", on: broker) == 1
                }
                #expect(running)
                let deleted = try await deleteGroup(group, tasks: true, broker: broker)
                let results = try await waiter.value
                // The running link ends and its outcome is dropped.
                let dropped = try await waitUntil(.seconds(10)) {
                    log.messages.contains { $0.contains("deleted while they ran") }
                }
                #expect(dropped, "\(log.messages)")
                return (deleted, results)
            }
            #expect(deleted == 0)
            #expect(results == [], "the waiter returned with nothing")
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 0)
            #expect(try await count("SELECT count(*) FROM baton.results", on: broker) == 0)
            #expect(!log.messages.contains { $0.contains("leases were lost") }, "\(log.messages)")
        }
    }
}
