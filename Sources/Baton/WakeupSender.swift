import LibPQ
import Synchronization

/// Tells idle workers that work was queued, after the enqueueing transaction committed.
///
/// PostgreSQL serialises the commits of transactions that NOTIFY, disk flush included; a
/// NOTIFY sent on its own, by a transaction that wrote nothing, commits without a flush.
/// Requests made while a notification is being sent are covered by one more sent after
/// it, so many concurrent enqueues cost a few notifications, and none is missed: each
/// request is followed by a notification that starts after it. On a quiet system the
/// enqueuer sends its notification itself, in the same round trip (`takeInlineTurn`).
final class WakeupSender: Sendable {
    private struct State {
        var requested = false
        var sending: Task<Void, Never>?
        var lastInline = ContinuousClock.now - .seconds(1)
    }

    private let pool: ConnectionPool
    private let state = Mutex(State())

    init(pool: ConnectionPool) {
        self.pool = pool
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
    /// yes when none is being sent and none was sent inline in the last millisecond, so
    /// that a busy system coalesces and a quiet one saves a hop.
    func takeInlineTurn() -> Bool {
        state.withLock { state in
            guard state.sending == nil, ContinuousClock.now - state.lastInline > .milliseconds(1) else { return false }
            state.lastInline = .now
            return true
        }
    }

    /// Waits for the notifications asked for so far.
    func flush() async {
        await state.withLock { $0.sending }?.value
    }

    private func send() async {
        while state.withLock({ state in
            defer { state.requested = false }
            if !state.requested { state.sending = nil }
            return state.requested
        }) {
            // A lost wake-up is not lost work: idle workers also look every idleCheckInterval.
            _ = try? await pool.withConnection { connection in
                try await connection.query(WakeupSender.notify)
            }
        }
    }

    /// Wakes idle workers (channel `baton`, payload `queued`).
    static let notify = PreparedStatement(name: "baton_wakeup", sql: "SELECT pg_notify('baton', 'queued')")
}
