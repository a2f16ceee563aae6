import Baton
import Foundation
import Testing
import TestSupport

/// Worker processes and checks shared by the fault scenarios.
struct FaultFixture {
    let broker: Broker
    let logs = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("fault-logs"))

    /// Where the workers' `test.attempt` tasks log each attempt's start and end.
    var attemptLog: URL { logs.appendingPathComponent("attempts.log") }

    var environment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_DATABASE_URL"] = broker.configuration.description
        environment["BATON_ATTEMPT_LOG"] = attemptLog.path
        return environment
    }

    /// Starts a `baton-test-worker` process (its log in a temporary folder), connecting as
    /// `database` says when given.
    func worker(_ arguments: [String] = [], database: ConnectionConfiguration? = nil) throws -> Process {
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let log = logs.appendingPathComponent(TestDatabase.uniqueName("worker") + ".log")
        var environment = self.environment
        if let database { environment["BATON_DATABASE_URL"] = database.conninfoForChildProcess }
        return try Binaries.start("baton-test-worker", arguments, environment: environment, log: log)
    }

    /// Enqueues `count` chains of `links` links of `function(argument)`, named `prefix-N`, in one transaction.
    func enqueueChains(_ prefix: String, count: Int, links: Int, function: String, argument: JSONValue) async throws {
        try await broker.pool.transaction { tx in
            for chain in 0..<count {
                let steps = (0..<links).map { _ in ChainLink(function, argument) }
                try await broker.asyncChain(steps, group: "\(prefix)-\(chain)", in: tx)
            }
        }
    }

    /// Whether a `test.attempt` task with this token has begun running in some worker.
    func hasStarted(_ token: String) -> Bool {
        let log = (try? String(contentsOf: attemptLog, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").contains { $0.hasPrefix("start \(token) ") }
    }

    /// Everything the workers started by this fixture wrote to their logs.
    var workerLogs: String {
        let files = (try? FileManager.default.contentsOfDirectory(at: logs, includingPropertiesForKeys: nil)) ?? []
        return files.filter { $0.lastPathComponent.hasPrefix("worker") }
            .compactMap { try? String(contentsOf: $0, encoding: .utf8) }.joined(separator: "\n")
    }

    /// How many times a `test.attempt` task with this token has begun, in all workers.
    func starts(_ token: String) -> Int {
        let log = (try? String(contentsOf: attemptLog, encoding: .utf8)) ?? ""
        return log.split(separator: "\n").filter { $0.hasPrefix("start \(token) ") }.count
    }

    /// Runs `scripts/db` on the private database (found with no URL set): `restart`, or `crash SECONDS`.
    func privateDatabase(_ arguments: [String]) throws {
        var environment = ProcessInfo.processInfo.environment
        for variable in ["BATON_DATABASE_URL", "DATABASE_URL", "PGHOST"] { environment[variable] = nil }
        let run = try TestDatabase.runWithStatus(
            TestDatabase.repositoryRoot.appendingPathComponent("scripts/db").path, arguments, environment: environment)
        #expect(run.status == 0, "\(run.error)")
    }

    /// Reads one integer; a connection the database dropped (it was restarted) is replaced.
    func number(_ sql: String, _ parameters: any SQLEncodable...) async throws -> Int {
        for attempt in 1... {
            do {
                return try await broker.pool.withConnection { try await $0.query(sql, parameters)[0].decode(0, as: Int.self) }
            } catch let error as PostgresError where error.code.isConnectionFailure && attempt < 50 {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        fatalError("unreachable")
    }

    /// Waits (checking every 20 ms) until `condition` holds; false when `limit` passes first.
    func waitUntil(_ limit: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
        try await TestSupport.waitUntil(limit, condition)
    }

    /// Checks every chain is complete, each link recorded once, successful, and after the one before.
    func expectChainsComplete(_ prefix: String, count: Int, links: Int) async throws {
        let results = try await number("SELECT count(*) FROM baton.results WHERE group_id LIKE $1", prefix + "-%")
        let distinct = try await number(
            "SELECT count(DISTINCT (group_id, chain_position)) FROM baton.results WHERE group_id LIKE $1", prefix + "-%")
        let failed = try await number(
            "SELECT count(*) FROM baton.results WHERE group_id LIKE $1 AND NOT success", prefix + "-%")
        let overlapping = try await number("""
            SELECT count(*) FROM baton.results AS next
            JOIN baton.results AS previous
              ON previous.group_id = next.group_id AND previous.chain_position = next.chain_position - 1
            WHERE next.group_id LIKE $1 AND next.started_at < previous.stopped_at
            """, prefix + "-%")
        let left = try await number("SELECT count(*) FROM baton.tasks WHERE group_id LIKE $1", prefix + "-%")
        #expect(results == count * links, "every link's result recorded")
        #expect(distinct == count * links, "no link recorded twice")
        #expect(failed == 0)
        #expect(overlapping == 0, "links ran in order, never overlapping")
        #expect(left == 0, "nothing left in the queue")
        print("checked: \(count) chains of \(links) links complete, each link once, in order, none failed, queue empty")
    }
}

/// Sends a signal to a process.
func send(_ signal: Int32, to process: Process) {
    kill(process.processIdentifier, signal)
}

/// Waits for a process to exit, at most `limit`; true when it did.
func waitForExit(_ process: Process, within limit: Duration) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while process.isRunning {
        if ContinuousClock.now > deadline { return false }
        try await Task.sleep(for: .milliseconds(20))
    }
    return true
}
