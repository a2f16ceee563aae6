import Baton
import Foundation
import Testing
import TestSupport

/// `baton cancel` and `baton retry`, by task id and by group or chain id.
@Suite struct CancelCommandTests {
    func run(_ arguments: [String], on broker: Broker) throws -> (status: Int32, output: String, error: String) {
        try TestDatabase.runWithStatus(
            try Binaries.path("baton"), arguments + ["--database-url", broker.configuration.description])
    }

    @Test func cancelAndRetryFromTheShell() async throws {
        try await TestDatabase.withBroker { broker in
            let task = try await broker.asyncTask("baton.echo", args: [1])
            #expect(try run(["cancel", task.uuidString.lowercased(), "--reason", "by hand"], on: broker).output
                == "cancelled 1 task\n")
            #expect(try await broker.fetch(task)?.error == "by hand")
            let nothing = try run(["cancel", task.uuidString.lowercased()], on: broker)
            #expect(nothing.status == 1 && nothing.output == "cancelled 0 tasks\n")

            // A chain's id is a UUID: taken as a group's once no task has it.
            let chain = try await broker.asyncChain([ChainLink("baton.echo", 1), ChainLink("baton.echo", 2)])
            #expect(try run(["cancel", chain], on: broker).output == "cancelled 2 tasks\n")
            let named = try await broker.asyncChain([ChainLink("baton.echo", 3)], group: "nightly 'report' <b>")
            #expect(try run(["cancel", named], on: broker).output == "cancelled 1 task\n")

            let again = try run(["retry", task.uuidString.lowercased()], on: broker)
            #expect(again.status == 0 && again.output == task.uuidString.lowercased() + "\n", "\(again.error)")
            #expect(try await count(task, on: broker) == 1)
            let chainAgain = try run(["retry", chain], on: broker)
            #expect(chainAgain.output.split(separator: "\n").count == 2, "\(chainAgain)")
            let refused = try run(["retry", "no such group"], on: broker)
            #expect(refused.status != 0 && refused.error.contains("has no failed or cancelled task"), "\(refused.error)")
        }
    }

    private func count(_ task: UUID, on broker: Broker) async throws -> Int {
        try await broker.pool.withConnection { connection in
            try await connection.query("SELECT count(*) FROM baton.tasks WHERE id = $1 AND state = 'queued'", [task])[0]
                .decode(0, as: Int.self)
        }
    }
}

/// A task running in a `baton cluster` process, cancelled from another process: the cluster
/// hears it through the database and frees its only worker for the next task.
@Suite struct CancelAcrossProcessesTests {
    @Test func aCancelReachesTheClusterProcessRunningTheTask() async throws {
        try await TestDatabase.withBroker { broker in
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = broker.configuration.description
            let cluster = try Binaries.start("baton", ["cluster", "--workers", "1"], environment: environment)
            defer { cluster.terminate() }
            let long = try await broker.asyncTask("baton.sleep", args: [60_000])
            let running = try await waitUntil(.seconds(15)) {
                try await broker.pool.withConnection { connection in
                    try await connection.query("SELECT count(*) FROM baton.tasks WHERE id = $1 AND state = 'running'",
                                               [long])[0].decode(0, as: Int.self)
                } == 1
            }
            #expect(running)
            let cancel = try TestDatabase.runWithStatus(
                try Binaries.path("baton"), ["cancel", long.uuidString.lowercased(), "--database-url",
                                            broker.configuration.description])
            #expect(cancel.output == "cancelled 1 task\n", "\(cancel.error)")
            let asked = ContinuousClock.now
            let next = try await broker.asyncTask("baton.echo", args: [1])
            #expect(try await broker.result(next, wait: .seconds(10)) == [1], "the only worker was freed")
            print("cancel across processes: the next task finished \(ContinuousClock.now - asked) after the cancel")
            #expect(try await broker.fetch(long)?.cancelled == true)
        }
    }
}
