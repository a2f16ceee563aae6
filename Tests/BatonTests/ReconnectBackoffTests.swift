@testable import Baton
import Testing

/// The listener's waits between attempts to connect, without a database.
@Suite struct ReconnectBackoffTests {
    @Test func waitsDoubleUpToFiveSecondsAndStartOverOnceListening() {
        var backoff = ReconnectBackoff()
        let waits = (0..<10).map { _ in backoff.ended() }
        #expect(waits == [50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000].map { Duration.milliseconds($0) })
        backoff.listened()
        #expect(backoff.ended() == .milliseconds(50))
        #expect(backoff.ended() == .milliseconds(100))
    }
}
