import BatonCluster
import Foundation
import Testing
import TestSupport

/// django-q's `task_name`: a task given a name is found by it, `result(name)` and `fetch(name)`.
@Suite struct TaskNameTests {
    @Test func aNamedTaskIsFoundByItsName() async throws {
        try await TestDatabase.withBroker { broker in
            let name = "monthly report 'März' \"2026\""
            let (waited, id) = try await withCluster(broker) {
                let id = try await asyncTask("baton.echo", "first", broker: broker, taskName: name)
                // Waiting by name while it is queued: woken by its id's notification.
                return (try await result(name, wait: .seconds(10), broker: broker), id)
            }
            #expect(waited == ["first"])
            let record = try #require(try await fetch(name, broker: broker))
            #expect(record.id == id && record.name == name && record.function == "baton.echo")
            // A later task of the same name is the one found; ids are still ids.
            try await asyncTask("baton.echo", "second", sync: true, broker: broker, taskName: name)
            #expect(try await result(name, broker: broker) == ["second"])
            #expect(try await result(id.uuidString, broker: broker) == ["first"])
            #expect(try await result("no task has this name", broker: broker) == nil)
        }
    }

    @Test func namesFromSQLAndInAGroup() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.pool.withConnection { connection in
                _ = try await connection.query("SELECT baton.async_task('baton.echo', '[1]', name => 'from sql')")
            }
            try await asyncTask("baton.echo", 2, group: "named", broker: broker, taskName: "in a group")
            let (fromSQL, inGroup) = try await withCluster(broker) {
                (try await result("from sql", wait: .seconds(10), broker: broker),
                 try await result("in a group", wait: .seconds(10), broker: broker))
            }
            #expect(fromSQL == [1] && inGroup == [2])
            let empty = await #expect(throws: BatonError.self) {
                try await asyncTask("baton.echo", broker: broker, taskName: "")
            }
            #expect(empty?.code == .invalidArgument)
        }
    }
}
