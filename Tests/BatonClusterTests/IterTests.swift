import BatonCluster
import Foundation
import Testing
import TestSupport

/// django-q's `async_iter` and `Iter`: one function over many argument lists, one task each,
/// one result list in the order given.
@Suite struct IterTests {
    @Test func resultsComeInTheOrderGiven() async throws {
        try await TestDatabase.withBroker { broker in
            // Sleeps that finish in the reverse order of the list.
            let lists: [[JSONValue]] = (0..<8).map { [.int(400 - $0 * 50)] }
            let id = try await asyncIter("baton.sleep", lists, broker: broker)
            #expect(try await result(id, broker: broker) == nil, "not finished: nil, as in django-q")
            let results = try await withCluster(broker) { try await result(id, wait: .seconds(20), broker: broker) }
            #expect(results == .array(lists.map { $0[0] }))
            #expect(try await broker.fetchIter(id)?.map(\.chainPosition) == Array(0..<8))
        }
    }

    @Test func aFailureTakesItsPlaceAndCancelsNothing() async throws {
        try await TestDatabase.withBroker { broker in
            let iter = Iter("math.sqrt", broker: broker)
            iter.append(4)
            iter.append(-1)
            #expect(iter.append(9) == 3 && iter.length() == 3)
            #expect(try await iter.result() == nil, "before run()")
            try await iter.run()
            let results = try await withCluster(broker) { try await iter.result(wait: .seconds(10)) }
            #expect(results == [2.0, "math.sqrt: ValueError: math domain error", 3.0])
        }
    }

    @Test func fromSQLWithBareArguments() async throws {
        try await TestDatabase.withBroker { broker in
            let id: String = try await broker.pool.withConnection { connection in
                try await connection.query("SELECT baton.async_iter('math.floor', '[1.5, [2.5], 3.5]')")[0].decode(0)
            }
            let results = try await withCluster(broker) { try await broker.resultIter(id, wait: .seconds(10)) }
            #expect(results == [1, 2, 3])
            // An iter's group takes no other task.
            let error = await #expect(throws: BatonError.self) {
                try await asyncTask("baton.echo", 1, group: id, broker: broker)
            }
            #expect(error?.message.contains("is an iter, not a group") == true, "\(String(describing: error))")
        }
    }

    /// Two batches that record an iter's last two tasks at once: one of them marks the iter
    /// finished (each locks the group's row before it looks).
    @Test func anIterEndsWhenItsLastTasksFinishTogether() async throws {
        try await TestDatabase.withBroker { broker in
            try await withCluster(broker, configuration: ClusterConfiguration(workers: 8)) {
                let iters = try await (0..<20).asyncMap { _ in
                    try await broker.asyncIter("baton.sleep", Array(repeating: [.int(20)], count: 8))
                }
                for iter in iters { _ = try await broker.resultIter(iter, wait: .seconds(20)) }
                let ended = try await waitUntil(.seconds(5)) {
                    try await count("SELECT count(*) FROM baton.groups WHERE kind = 'iter' AND finished_at IS NOT NULL",
                                    on: broker) == 20
                }
                #expect(ended, "every iter marked finished once its last task was recorded")
            }
        }
    }
}
