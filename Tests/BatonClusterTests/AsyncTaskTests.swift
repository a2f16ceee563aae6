import BatonCluster
import Foundation
import Testing
import TestSupport

/// django-q's `AsyncTask` class: built, run, then its id, result, record and success.
@Suite struct AsyncTaskTests {
    @Test func aTaskBuiltThenRun() async throws {
        try await TestDatabase.withBroker { broker in
            let task = AsyncTask("math.floor", 2.5, group: "floors", taskName: "floor of 2.5", broker: broker)
            #expect(!task.started && task.id == nil)
            #expect(try await task.result(wait: .seconds(1)) == nil, "nil before run(), as django-q's None")
            #expect(try await task.success == nil)
            let id = try await task.run()
            #expect(task.started && task.id == id)
            let (value, record) = try await withCluster(broker) {
                (try await task.result(wait: .seconds(10)), try await task.fetch())
            }
            #expect(value == 2)
            #expect(record?.name == "floor of 2.5" && record?.groupID == "floors")
            #expect(try await task.success == true)
            #expect(try await task.resultGroup(count: 1) == [2])
            #expect(try await task.fetchGroup()?.count == 1)
        }
    }

    @Test func aSyncTaskFailsInTheCaller() async throws {
        try await TestDatabase.withBroker { broker in
            let task = AsyncTask("baton.fail", "nope", sync: true, broker: broker)
            try await task.run()
            #expect(try await task.success == false)
            #expect(try await task.result() == "nope")
        }
    }
}
