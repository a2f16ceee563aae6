import LibPQ
import Synchronization

/// Tells idle workers that work was queued, after the enqueueing transaction committed.
///
/// PostgreSQL serialises the commits of transactions that NOTIFY, disk flush included; a
/// NOTIFY sent on its own, by a transaction that wrote nothing, commits without a flush.
/// Notifications are at least `spacing` apart: requests made meanwhile are covered by one
/// more sent when the spacing is up, so a busy enqueuer costs at most one notification per
/// `spacing` (each is a round trip and a transaction), and none is missed: each request is
/// followed by a notification that starts after it. On a quiet system the enqueuer sends
/// its notification itself, in the same round trip (`takeInlineTurn`).
final class WakeupSender: Sendable {
    private struct State {
        var requested = false
        var sending: Task<Void, Never>?
        var lastSent = ContinuousClock.now - .seconds(1)
    }

    private let pool: ConnectionPool
    private let spacing: Duration
    private let state = Mutex(State())

    /// - Parameter spacing: the least time between two notifications. An idle worker waits
    ///   at most this long for a wake-up it would otherwise have had at once.
    init(pool: ConnectionPool, spacing: Duration = .milliseconds(1)) {
        self.pool = pool
        self.spacing = spacing
    }

    /// Asks for a notification; returns at once.
    func request() {
        state.withLock { state in
            state.requested = true
            guard state.sending == nil else { return }
            state.sending = Task { await self.send() }
        }
    }

    /// Whether the caller should send its notification itself, pipelined after its enqueue:
    /// yes when none is being sent and none was sent in the last `spacing`, so that a busy
    /// system coalesces and a quiet one saves a hop.
    func takeInlineTurn() -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            guard state.sending == nil, now - state.lastSent >= spacing else { return false }
            state.lastSent = now
            return true
        }
    }

    /// Waits for the notifications asked for so far.
    func flush() async {
        await state.withLock { $0.sending }?.value
    }

    private func send() async {
        while true {
            let wait = state.withLock { state in spacing - (ContinuousClock.now - state.lastSent) }
            if wait > .zero { try? await Task.sleep(for: wait) }
            let requested = state.withLock { state in
                defer { state.requested = false }
                if state.requested { state.lastSent = .now } else { state.sending = nil }
                return state.requested
            }
            guard requested else { return }
            // A lost wake-up is not lost work: idle workers also look every idleCheckInterval.
            _ = try? await pool.withConnection { connection in
                try await connection.query(WakeupSender.notify)
            }
        }
    }

    /// Wakes idle workers (channel `baton`, payload `queued`).
    static let notify = PreparedStatement(name: "baton_wakeup", sql: "SELECT pg_notify('baton', 'queued')")
}
