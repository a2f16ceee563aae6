import BatonCluster
import Foundation
import Synchronization
import Testing
import TestSupport

/// django-q's pre_enqueue, pre_execute and post_execute signals and its error reporter.
@Suite struct TaskSignalsTests {
    final class Heard: Sendable {
        let events = Mutex<[String]>([])
        func add(_ event: String) { events.withLock { $0.append(event) } }
        var all: [String] { events.withLock { $0 } }
    }

    @Test func receiversHearEachTaskAroundItsEnqueueAndItsRun() async throws {
        try await TestDatabase.withBroker { broker in
            let heard = Heard()
            broker.signals.onPreEnqueue { heard.add("enqueue \($0.function) \($0.args) \($0.group ?? "-")") }
            broker.signals.onPreExecute { heard.add("execute \($0.function) \($0.args)") }
            broker.signals.onPostExecute { task, outcome in heard.add("executed \(task.function) \(outcome.isSuccess)") }
            broker.signals.onError { task, error in heard.add("error \(task.function) \(error)") }
            try await broker.asyncTask("baton.echo", args: [1], group: "g")
            let chain = try await broker.asyncChain([ChainLink("baton.echo", 2), ChainLink("baton.fail", "boom")])
            try await broker.asyncTasks([TaskCall("baton.echo", 3), TaskCall("baton.echo", 4)])
            let iter = try await broker.asyncIter("baton.echo", [[5], [6]])
            let enqueued = heard.all.filter { $0.hasPrefix("enqueue") }
            #expect(enqueued == [
                "enqueue baton.echo [1] g", "enqueue baton.echo [2] -", "enqueue baton.fail ['boom'] -",
                "enqueue baton.echo [3] -", "enqueue baton.echo [4] -", "enqueue baton.echo [5] -", "enqueue baton.echo [6] -",
            ])
            try await withCluster(broker) {
                _ = try await broker.fetchGroup(chain, count: 2)
                _ = try await broker.resultIter(iter, wait: .seconds(10))
                _ = try await broker.resultGroup("g", count: 1)
                _ = try await waitUntil { heard.all.filter { $0.hasPrefix("executed") }.count == 7 }
            }
            let events = heard.all
            #expect(events.filter { $0.hasPrefix("execute ") }.count == 7)
            #expect(events.filter { $0.hasPrefix("executed") }.count == 7)
            #expect(events.filter { $0.hasPrefix("error") } == ["error baton.fail boom"])
            // Each attempt is heard before it runs and after.
            #expect(events.firstIndex(of: "execute baton.fail ['boom']")! < events.firstIndex(of: "executed baton.fail false")!)
        }
    }

    @Test func aSyncTaskIsHeardInTheCaller() async throws {
        try await TestDatabase.withBroker { broker in
            let heard = Heard()
            broker.signals.onPreExecute { heard.add("execute \($0.function)") }
            broker.signals.onError { _, error in heard.add("error \(error)") }
            try await broker.asyncTask("baton.fail", args: ["twice"], sync: true, maxAttempts: 2, retryDelay: .milliseconds(10))
            #expect(heard.all == ["execute baton.fail", "error twice", "execute baton.fail", "error twice"],
                    "every attempt: \(heard.all)")
        }
    }
}
