import BatonCluster
import Foundation
import Logging
import Synchronization
import Testing
import TestSupport

/// django-q's `hook`: a named function that the process that ran a task calls with the
/// task's record once its outcome is recorded. A failing hook is logged; the task stands.
@Suite struct HookTests {
    /// What a hook saw: each record, and whether `baton.results` held it when the hook ran.
    final class Calls: Sendable {
        let seen = Mutex<[(record: TaskRecord, recorded: Bool)]>([])
        var records: [TaskRecord] { seen.withLock { $0.map(\.record) } }
        var recordedFirst: [Bool] { seen.withLock { $0.map(\.recorded) } }
    }

    /// `testRegistry` with hooks: `test.remember` keeps what it is called with (and looks for
    /// the record in the database first), `test.throw` throws.
    func registry(_ calls: Calls, _ broker: Broker) throws -> TaskRegistry {
        var registry = testRegistry
        try registry.registerHook("test.remember") { record in
            let stored = try await count("SELECT count(*) FROM baton.all_results WHERE id = $1", record.id, on: broker)
            calls.seen.withLock { $0.append((record, stored == 1)) }
        }
        try registry.registerHook("test.throw") { _ in throw TaskFailure("the hook's own failure") }
        return registry
    }

    @Test func theClusterThatRanATaskCallsItsHookWithTheRecordOnceRecorded() async throws {
        try await TestDatabase.withBroker { broker in
            let calls = Calls()
            let registry = try registry(calls, broker)
            let configuration = ClusterConfiguration(workers: 4)
            let ids = try await withCluster(broker, registry: registry, configuration: configuration) {
                let fromSwift = try await broker.asyncTask("baton.echo", args: ["swift"], hook: "test.remember")
                let failing = try await broker.asyncTask(
                    "baton.fail", args: ["twice"], maxAttempts: 2, retryDelay: .milliseconds(50), hook: "test.remember")
                let fromSQL: UUID = try await broker.pool.withConnection { connection in
                    try await connection.query(
                        "SELECT baton.async_task('baton.echo', '[\"sql\"]', hook => 'test.remember') AS id")[0].decode("id")
                }
                let plain = try await broker.asyncTask("baton.echo", args: ["no hook"])
                #expect(try await waitUntil(.seconds(20)) { calls.records.count == 3 }, "\(calls.records)")
                _ = try await broker.result(plain, wait: .seconds(10))
                return [fromSwift, failing, fromSQL]
            }
            let byID = Dictionary(calls.records.map { ($0.id, $0) }) { first, _ in first }
            #expect(calls.records.count == 3, "one call per finished task, none for a retried attempt or a task without a hook")
            #expect(calls.recordedFirst == [true, true, true], "each hook ran after its task's outcome was committed")
            #expect(byID[ids[0]]?.value == ["swift"] && byID[ids[0]]?.success == true)
            #expect(byID[ids[1]]?.success == false && byID[ids[1]]?.attempts == 2, "the final failure, after its retry")
            #expect(byID[ids[2]]?.value == ["sql"], "a hook named in SQL")
            #expect(Set(calls.records.compactMap(\.worker)).count == 1)
            #expect(calls.records.allSatisfy { $0.worker?.hasSuffix(":sync") == false }, "the cluster called them")
        }
    }

    @Test func aFailingOrUnknownHookIsLoggedAndTheTaskStands() async throws {
        try await TestDatabase.withBroker { broker in
            let calls = Calls()
            let log = CapturedLog()
            let logger = Logger(label: "test") { _ in log }
            let (throwing, unknown, after) = try await withCluster(broker, registry: try registry(calls, broker), logger: logger) {
                let throwing = try await broker.asyncTask("baton.echo", args: [1], hook: "test.throw")
                let unknown = try await broker.asyncTask("baton.echo", args: [2], hook: "no such hook 'x' <b>")
                // The cluster goes on: a later task runs and calls its hook.
                let after = try await broker.asyncTask("baton.echo", args: [3], hook: "test.remember")
                #expect(try await waitUntil(.seconds(20)) { calls.records.count == 1 })
                #expect(try await waitUntil(.seconds(10)) { log.messages.filter { $0.contains("hook failed") }.count == 2 })
                return (throwing, unknown, after)
            }
            let outcomes = [try await broker.result(throwing), try await broker.result(unknown), try await broker.result(after)]
            #expect(outcomes == [[1], [2], [3]], "each task's outcome stands")
            let failures = log.messages.filter { $0.contains("hook failed") }
            #expect(failures.contains { $0.contains("the hook's own failure") && $0.contains("hook=test.throw") }, "\(failures)")
            #expect(failures.contains { $0.contains("no hook named") && $0.contains(unknown.uuidString.lowercased()) },
                    "\(failures)")
        }
    }

    @Test func aSyncTaskCallsItsHookBeforeTheCallReturns() async throws {
        try await TestDatabase.withBroker { outer in
            let calls = Calls()
            try await Broker.with(configuration: outer.configuration, registry: try registry(calls, outer)) { broker in
                let id = try await broker.asyncTask("baton.echo", args: ["inline"], sync: true, hook: "test.remember")
                #expect(calls.records.map(\.id) == [id], "called in the caller, before asyncTask returned")
                #expect(calls.records.first?.worker == WorkerIdentity.current.name + ":sync")
                #expect(calls.recordedFirst == [true])
            }
        }
    }

    @Test func chainLinksCallTheChainsHookOrTheirOwn() async throws {
        try await TestDatabase.withBroker { broker in
            let calls = Calls()
            var registry = try registry(calls, broker)
            let other = Calls()
            try registry.registerHook("test.other") { record in other.seen.withLock { $0.append((record, true)) } }
            let chain = Chain(hook: "test.remember", broker: broker)
            chain.append("baton.echo", 0)
            chain.append("baton.echo", 1, options: LinkOptions(hook: "test.other"))
            chain.append("baton.echo", 2)
            let results = try await withCluster(broker, registry: registry) {
                try await chain.run()
                let results = try await chain.result()
                #expect(try await waitUntil(.seconds(10)) { calls.records.count == 2 && other.records.count == 1 })
                return results
            }
            #expect(results == [[0], [1], [2]])
            #expect(calls.records.map(\.chainPosition) == [0, 2] && other.records.map(\.chainPosition) == [1])
        }
    }

    @Test func aHookNeedsANameAndANameIsRegisteredOnce() async throws {
        var registry = TaskRegistry()
        try registry.registerHook("h") { _ in }
        #expect(throws: BatonError.self) { try registry.registerHook("h") { _ in } }
        #expect(throws: BatonError.self) { try registry.registerHook("") { _ in } }
        #expect(registry.hookNames == ["h"] && registry.names.isEmpty, "hooks are not task functions")
        try await TestDatabase.withBroker { broker in
            let error = await #expect(throws: BatonError.self) { try await broker.asyncTask("baton.echo", hook: "") }
            #expect(error?.code == .invalidArgument)
            let queued = try await count("SELECT count(*) FROM baton.tasks", on: broker)
            #expect(queued == 0, "nothing was enqueued")
        }
    }
}
