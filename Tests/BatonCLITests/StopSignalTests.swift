import Baton
import Foundation
import Testing
import TestSupport

/// A SIGTERM that comes while `baton cluster` starts up (connecting, registering, just
/// started) stops it cleanly: exit 0, the stop logged. Before its `main` runs a process can
/// only die of the signal, so each try waits until the process has a handler for SIGTERM.
@Suite struct StopSignalTests {
    @Test func aStopDuringStartUpIsNeverLost() async throws {
        try await TestDatabase.withBroker { broker in
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = broker.configuration.description
            // Spread over the start-up: 0 to 76 ms after the handler is in place.
            for attempt in 0..<20 {
                let log = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("stop") + ".log")
                defer { try? FileManager.default.removeItem(at: log) }
                let cluster = try Binaries.start("baton", ["cluster", "--workers", "1"], environment: environment, log: log)
                let pid = cluster.processIdentifier
                var disposition = SignalDisposition.of(SIGTERM, in: pid)
                let deadline = ContinuousClock.now + .seconds(10)
                while disposition == .standard && ContinuousClock.now < deadline {
                    usleep(200)
                    disposition = SignalDisposition.of(SIGTERM, in: pid)
                }
                #expect(disposition == .caught, "try \(attempt): SIGTERM is caught, not ignored or fatal")
                usleep(UInt32(attempt * 4_000))
                kill(pid, SIGTERM)
                let exited = try await waitUntil(.seconds(10)) { !cluster.isRunning }
                if !exited { kill(pid, SIGKILL) }
                cluster.waitUntilExit()
                let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                #expect(exited, "try \(attempt): still running 10 s after SIGTERM; its log: \(output)")
                #expect(cluster.terminationReason == .exit && cluster.terminationStatus == 0,
                        "try \(attempt): exited \(cluster.terminationStatus); its log: \(output)")
                #expect(output.contains("stop signal received"), "try \(attempt): \(output)")
            }
        }
    }
}
