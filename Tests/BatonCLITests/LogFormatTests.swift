import Baton
import Foundation
import Testing
import TestSupport

/// `baton cluster --log-format json --log-level ...` (and BATON_LOG_FORMAT, BATON_LOG_LEVEL):
/// one JSON object per line with stable keys, and never the database password.
@Suite struct LogFormatTests {
    static let password = "s3cr3t-Pa55word"

    @Test func aClusterLogsOneJSONObjectPerLineAndNoPassword() async throws {
        try await TestDatabase.withBroker { broker in
            var environment = ProcessInfo.processInfo.environment
            // The private server trusts loopback: the password is taken and never needed.
            environment["BATON_DATABASE_URL"] = broker.configuration.conninfoForChildProcess + " password=\(Self.password)"
            let log = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("json-log"))
            let cluster = try Binaries.start(
                "baton", ["cluster", "--workers", "2", "--log-format", "json", "--queue", "mail=1"], environment: environment,
                log: log)
            let started = try await waitUntil(.seconds(15)) {
                ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("cluster started")
            }
            #expect(started)
            let id = try await broker.asyncTask("baton.sleep", args: [30_000], queue: "mail")
            let running = try await waitUntil(.seconds(10)) {
                try await count("SELECT count(*) FROM baton.tasks WHERE state = 'running'", on: broker) == 1
            }
            #expect(running)
            try await broker.cancel(id)
            let told = try await waitUntil(.seconds(10)) {
                ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("tasks were cancelled")
            }
            #expect(told)
            cluster.terminate()
            cluster.waitUntilExit()
            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(!text.contains(Self.password), "the password reached a log line")
            let lines = text.split(separator: "\n")
            #expect(lines.count >= 3, "\(text)")
            for line in lines {
                guard case .object(let fields) = try JSONValue.parse(String(line)) else {
                    Issue.record("not a JSON object: \(line)")
                    continue
                }
                for key in ["time", "level", "label", "message", "cluster"] {
                    #expect(fields[key] != nil, "\(key) missing in \(line)")
                }
            }
            let first = try #require(lines.first { $0.contains("cluster started") })
            guard case .object(let fields) = try JSONValue.parse(String(first)) else { return }
            #expect(fields["level"] == "info" && fields["queues"] == "mail=1" && fields["label"] == "baton.cluster")
        }
    }

    @Test func theLevelAndFormatComeFromTheEnvironmentToo() async throws {
        try await TestDatabase.withBroker { broker in
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = broker.configuration.conninfoForChildProcess
            environment["BATON_LOG_FORMAT"] = "json"
            environment["BATON_LOG_LEVEL"] = "warning"
            let log = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("quiet-log"))
            let cluster = try Binaries.start("baton", ["cluster", "--workers", "1"], environment: environment, log: log)
            let registered = try await waitUntil(.seconds(15)) {
                try await count("SELECT count(*) FROM baton.clusters", on: broker) == 1
            }
            #expect(registered)
            cluster.terminate()
            cluster.waitUntilExit()
            let text = try String(contentsOf: log, encoding: .utf8)
            #expect(!text.contains("cluster started"), "an info line at level warning: \(text)")

            let refused = try TestDatabase.runWithStatus(
                try Binaries.path("baton"), ["cluster", "--log-format", "xml"], environment: environment)
            #expect(refused.status != 0 && refused.error.contains("text or json"), "\(refused.error)")
            // A server that does not answer: the error names the target, never the password.
            var unreachable = ProcessInfo.processInfo.environment
            unreachable["BATON_DATABASE_URL"] = "postgres://baton:\(Self.password)@127.0.0.1:1/nowhere?connect_timeout=2"
            let failed = try TestDatabase.runWithStatus(
                try Binaries.path("baton"), ["cluster", "--log-format", "json"], environment: unreachable)
            #expect(failed.status != 0 && !failed.error.contains(Self.password) && !failed.output.contains(Self.password),
                    "\(failed.error)")
        }
    }

    private func count(_ sql: String, on broker: Broker) async throws -> Int {
        try await broker.pool.withConnection { try await $0.query(sql)[0].decode(0, as: Int.self) }
    }
}
