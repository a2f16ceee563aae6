import BatonCluster
import Foundation
import Testing
import TestSupport

/// Bad input gets a clear error and loses nothing.
@Suite struct BadInputTests {
    @Test func anUnknownFunctionWaitsForAWorkerThatHasIt() async throws {
        try await TestDatabase.withBroker { broker in
            let unknown = try await broker.asyncTask("reports.monthly", args: [2026])
            try await withCluster(broker) {
                // A later task runs; the unknown one stays queued, never claimed.
                let later = try await broker.asyncTask("baton.echo", args: [1])
                #expect(try await broker.result(later, wait: .seconds(10)) == [1])
                let rows = try await broker.pool.withConnection { connection in
                    try await connection.query("SELECT state, attempts FROM baton.tasks WHERE id = $1", unknown)
                }
                #expect(try rows[0].decode("state", as: String.self) == "queued")
                #expect(try rows[0].decode("attempts", as: Int.self) == 0)
            }
            // A worker that has the function runs it.
            var registry = TaskRegistry()
            try registry.register("reports.monthly") { (year: Int) in "report \(year)" }
            let value = try await withCluster(broker, registry: registry) {
                try await broker.result(unknown, wait: .seconds(10))
            }
            #expect(value == "report 2026")
        }
    }

    @Test func argumentsThatDoNotDecodeFailTheTaskNamingFunctionAndArgument() async throws {
        try await TestDatabase.withBroker { broker in
            let (wrongType, wrongCount) = try await withCluster(broker) {
                let wrongType = try await broker.asyncTask("math.copysign", args: [1, "minus one"])
                let wrongCount = try await broker.asyncTask("math.floor", args: [1, 2])
                return (try await broker.fetch(wrongType, wait: .seconds(10)),
                        try await broker.fetch(wrongCount, wait: .seconds(10)))
            }
            let typeRecord = try #require(wrongType)
            #expect(!typeRecord.success)
            #expect(typeRecord.error?.contains("math.copysign") == true)
            #expect(typeRecord.error?.contains("argument 1") == true)
            #expect(typeRecord.error?.contains("must be real number, not str") == true, "Python's TypeError")
            #expect(try #require(wrongCount).error == "math.floor takes 1 argument, got 2")
        }
    }

    @Test(arguments: [
        "{}", "[]", "[[5]]", #"[["", [1]]]"#, #"[["math.floor", 1]]"#, #"[["math.floor", [1], [2]]]"#,
        #"[["math.floor", [1], {}, "extra"]]"#, "not json", #"[{"args": [1]}]"#,
    ])
    func aMalformedChainIsRefusedAndWritesNothing(json: String) async throws {
        try await TestDatabase.withBroker { broker in
            let error = await #expect(throws: BatonError.self) { try await broker.asyncChain(json: json) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.isEmpty == false)
            let groups = try await count("SELECT count(*) FROM baton.groups", on: broker)
            #expect(groups == 0)
            #expect(try await count("SELECT count(*) FROM baton.tasks", on: broker) == 0)
        }
    }

    @Test func aNamelessTaskOrOptionsOutOfRangeEnqueueNothing() async throws {
        try await TestDatabase.withBroker { broker in
            let nameless = await #expect(throws: BatonError.self) { try await broker.asyncTask("") }
            #expect(nameless?.code == .invalidArgument)
            #expect(nameless?.message.contains("no function name") == true)
            // Without a group and with one (two ways into the queue), the table's checks decide.
            for group in [nil, "options"] as [String?] {
                let attempts = await #expect(throws: BatonError.self) {
                    try await broker.asyncTask("baton.echo", group: group, maxAttempts: 0)
                }
                #expect(attempts?.code == .invalidArgument)
                #expect(attempts?.message.contains("maxAttempts at least 1") == true)
                let delay = await #expect(throws: BatonError.self) {
                    try await broker.asyncTask("baton.echo", group: group, retryDelay: .seconds(-1))
                }
                #expect(delay?.code == .invalidArgument)
                let priority = await #expect(throws: BatonError.self) {
                    try await broker.asyncTask("baton.echo", group: group, priority: 40_000)
                }
                #expect(priority?.code == .invalidArgument)
                #expect(priority?.message.contains("priority") == true)
            }
            let enqueued = try await count("SELECT count(*) FROM baton.tasks", on: broker)
            #expect(enqueued == 0)
        }
    }

    @Test func aChainLinkWithoutAFunctionNameSaysWhichLink() async throws {
        try await TestDatabase.withBroker { broker in
            let error = await #expect(throws: BatonError.self) {
                try await broker.asyncChain(json: #"[["math.floor", [1]], [null, [2]]]"#)
            }
            #expect(error?.message == "baton: chain link 1 has no function name (a non-empty string first)")
        }
    }

    @Test func aResultForAnIdThatDoesNotExistIsNil() async throws {
        try await TestDatabase.withBroker { broker in
            let unknown = try await broker.result(UUID())
            #expect(unknown == nil)
            #expect(try await broker.result(UUID(), wait: .milliseconds(50)) == nil)
            #expect(try await broker.resultGroup("no such group") == nil)
        }
    }
}
