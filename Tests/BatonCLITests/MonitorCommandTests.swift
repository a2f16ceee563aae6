import Baton
import Foundation
import Testing
import TestSupport

/// `baton monitor` on a pseudo-terminal (drawn full screen, redrawn on the queue's news, `q`
/// quits and gives the screen back) and without one (plain snapshots).
@Suite struct MonitorCommandTests {

    func environment(_ broker: Broker) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_DATABASE_URL"] = broker.configuration.conninfoForChildProcess
        return environment
    }

    @Test func onATerminalItDrawsTheQueueFollowsItAndQuitsOnQ() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.execute(statements: """
                SELECT baton.async_task('baton.sleep', '[30000]');
                SELECT baton.async_task('baton.fail', '["it broke\\u001b[31mred"]');
                SELECT baton.async_task('baton.echo', '[1]', queue => 'reports')
                """)
            let cluster = try Binaries.start("baton", ["cluster", "--workers", "2"], environment: environment(broker))
            defer { cluster.terminate() }
            let running = try await waitUntil {
                try await broker.pool.withConnection {
                    try await $0.query("SELECT count(*) FROM baton.tasks WHERE state = 'running'")[0].decode(0, as: Int.self)
                } == 1
            }
            #expect(running)
            let terminal = try PseudoTerminal(width: 120, height: 40)
            let monitor = Process()
            monitor.executableURL = URL(fileURLWithPath: try Binaries.path("baton"))
            // Redrawn every 30 s unless the queue's news comes first.
            monitor.arguments = ["monitor", "--interval", "30"]
            monitor.environment = environment(broker)
            (monitor.standardInput, monitor.standardOutput, monitor.standardError) = (terminal.child, terminal.child, terminal.child)
            try monitor.run()
            defer { if monitor.isRunning { monitor.terminate() } }
            let clusterName = try await broker.pool.withConnection {
                try await $0.query("SELECT name FROM baton.clusters")[0].decode(0, as: String.self)
            }
            let drawn = try await waitUntil(.seconds(15)) {
                let screen = terminal.screen
                return screen.contains("RUNNING NOW") && screen.contains(clusterName) && screen.contains("baton.sleep")
                    && screen.contains("reports") && screen.contains("no cluster serves it") && screen.contains("baton.fail")
            }
            #expect(drawn, "\(terminal.screen)")
            #expect(terminal.written.contains("\u{1B}[?1049h"), "not drawn on the alternate screen")
            // An error's escape sequence is shown, not obeyed.
            #expect(!terminal.written.contains("\u{1B}[31m") && terminal.screen.contains("it broke·[31mred"), "\(terminal.screen)")
            // News: a finished task redraws it long before the 30 s interval.
            try await broker.execute(statements: """
                SELECT baton.async_task('baton.echo', '[2]', queue => 'later');
                SELECT baton.async_task('baton.echo', '[3]')
                """)
            let followed = try await waitUntil(.seconds(5)) { terminal.screen.contains("later") }
            #expect(followed, "\(terminal.screen)")
            terminal.type("q")
            let quit = try await waitUntil(.seconds(5)) { !monitor.isRunning }
            #expect(quit && monitor.terminationStatus == 0)
            #expect(terminal.written.hasSuffix("\u{1B}[?25h\u{1B}[?1049l"), "the shell's screen was not given back")
        }
    }

    @Test func withoutATerminalItPrintsPlainSnapshots() async throws {
        try await TestDatabase.withBroker { broker in
            try await broker.execute(statements: "SELECT baton.async_task('baton.echo', '[1]', queue => 'mail')")
            let output = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("monitor"))
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            let monitor = Process()
            monitor.executableURL = URL(fileURLWithPath: try Binaries.path("baton"))
            monitor.arguments = ["monitor", "--interval", "0.5"]
            monitor.environment = environment(broker)
            monitor.standardOutput = try FileHandle(forWritingTo: output)
            try monitor.run()
            let snapshots = try await waitUntil(.seconds(15)) {
                ((try? String(contentsOf: output, encoding: .utf8)) ?? "").components(separatedBy: "Baton monitor").count > 3
            }
            monitor.terminate()
            monitor.waitUntilExit()
            #expect(snapshots)
            let text = try String(contentsOf: output, encoding: .utf8)
            #expect(!text.contains("\u{1B}"), "escapes in plain output")
            #expect(text.contains("mail") && text.contains("no cluster serves it"), "\(text)")
            #expect(monitor.terminationStatus == 0 || monitor.terminationReason == .uncaughtSignal)
        }
    }
}
