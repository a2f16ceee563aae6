import Foundation
import LibPQ
import Testing
import TestSupport

/// A server that never answers is an error after the connect timeout, and a cancelled connect
/// ends at once: nothing waits for the operating system's minutes-long TCP timeouts.
@Suite struct ConnectTimeoutTests {
    @Test func theURLsConnectTimeoutEndsTheAttempt() async throws {
        let server = try SilentServer()
        let started = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) {
            _ = try await Connection.connect(server.url("connect_timeout=2"))
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.code == .connectionFailed)
        #expect(error?.message.contains("no answer within 2 s (connect_timeout") == true, "\(error?.message ?? "")")
        #expect(elapsed >= .seconds(2) && elapsed < .seconds(5), "gave up after \(elapsed)")
    }

    @Test func withoutASettingTheDefaultTimeoutApplies() async throws {
        let server = try SilentServer()
        let started = ContinuousClock.now
        let error = await #expect(throws: PostgresError.self) {
            _ = try await Connection.connect(server.url())
        }
        let elapsed = ContinuousClock.now - started
        #expect(error?.message.contains("no answer within 10 s") == true, "\(error?.message ?? "")")
        #expect(elapsed >= .seconds(10) && elapsed < .seconds(14), "gave up after \(elapsed)")
    }

    @Test func cancellingAConnectEndsItAtOnce() async throws {
        let server = try SilentServer()
        let attempt = Task { try await Connection.connect(server.url("connect_timeout=60")) }
        try await Task.sleep(for: .milliseconds(300))
        let cancelled = ContinuousClock.now
        attempt.cancel()
        await #expect(throws: CancellationError.self) { _ = try await attempt.value }
        #expect(ContinuousClock.now - cancelled < .seconds(1))
    }
}
