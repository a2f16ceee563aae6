import LibPQ
import Metrics
import Synchronization

/// One listening connection per process, on channel `baton`, fanning notifications out to
/// every result waiter and idle worker in the process.
///
/// Subscribing returns once the LISTEN is in force, so a caller that subscribes and then
/// checks the database cannot miss a completion committed in between. When the connection
/// breaks, the hub reconnects with backoff and wakes every subscriber to check again.
final class NotificationHub: Sendable {
    private struct Subscriber {
        let ids: Set<String>
        let wantsWork: Bool
        /// Fired on `cancelled` events (and `all`): a cluster that runs tasks.
        var wantsCancels = false
        /// Fired on every notification: a page that shows the queue live.
        var wantsEverything = false
        let signal: Signal
        /// Wants no notification for now (a page between refreshes): its signal still fires,
        /// but the hub may stop listening for it.
        var paused = false
    }

    private struct State {
        var task: Task<Void, Never>?
        var isListening = false
        /// Subscribers waiting for the first LISTEN, by token.
        var readyWaiters: [Int: CheckedContinuation<Void, any Error>] = [:]
        var subscribers: [Int: Subscriber] = [:]
        var nextToken = 0
        var closed = false
        /// Whether a LISTEN was ever in force: the connects after it are reconnects.
        var everListened = false

        /// Subscribers waiting for results (not clusters waiting for work).
        var resultWaiters = 0
        /// The listening task, stopped while every subscriber is paused, waiting for one to resume.
        var idle: CheckedContinuation<Bool, Never>?

        /// Whether every subscriber is paused: nobody in the process wants a notification now.
        var allPaused: Bool { !subscribers.isEmpty && subscribers.values.allSatisfy(\.paused) }
    }

    private let listening: Listening
    private let state = Mutex(State())

    init(listening: Listening) {
        self.listening = listening
    }

    /// Subscribes to events about these task or group ids, or (`wantsWork`) to new work.
    /// Task ids as PostgreSQL prints them (lower case); group ids as they are, case and all.
    /// - Returns: a token for `unsubscribe` and the signal fired on each such event.
    /// - Throws: the connection's error when the hub cannot listen.
    func subscribe(
        ids: Set<String> = [], wantsWork: Bool = false, wantsCancels: Bool = false, wantsEverything: Bool = false
    ) async throws -> (token: Int, signal: Signal) {
        let signal = Signal()
        let (token, waiters) = state.withLock { state in
            state.nextToken += 1
            state.subscribers[state.nextToken] = Subscriber(
                ids: ids, wantsWork: wantsWork, wantsCancels: wantsCancels, wantsEverything: wantsEverything, signal: signal)
            if !ids.isEmpty { state.resultWaiters += 1 }
            return (state.nextToken, state.resultWaiters)
        }
        if !ids.isEmpty { Gauge(label: Self.waitersLabel).record(waiters) }
        do {
            try await ready(token)
        } catch {
            unsubscribe(token)
            throw error
        }
        return (token, signal)
    }

    func unsubscribe(_ token: Int) {
        let (waited, waiters) = state.withLock { state in
            let waited = state.subscribers.removeValue(forKey: token).map { !$0.ids.isEmpty } ?? false
            if waited { state.resultWaiters -= 1 }
            return (waited, state.resultWaiters)
        }
        if waited { Gauge(label: Self.waitersLabel).record(waiters) }
    }

    /// Wants no notification for now. While every subscriber in the process is paused, the
    /// hub UNLISTENs at the next notification (keeping its connection), so that a page
    /// between refreshes takes none of the queue's notifications; result waiters and workers
    /// never pause, so they keep it listening.
    func pause(_ token: Int) {
        state.withLock { $0.subscribers[token]?.paused = true }
    }

    /// Wants notifications again: returns once the hub listens (or has failed to, and goes on
    /// trying). A hub that stopped listening meanwhile fires every signal when it listens again.
    func resume(_ token: Int) async {
        state.withLock { $0.subscribers[token]?.paused = false }
        try? await ready(token)
    }

    /// Result waiters in this process now (`baton_result_waiters`).
    static let waitersLabel = "baton_result_waiters"
    /// 1 while the listening connection is up (listening, or not while every subscriber is
    /// paused), 0 once it broke until it listens again (`baton_listener_connected`).
    static let connectedLabel = "baton_listener_connected"
    /// Times the listening connection was made again after it broke (`baton_listener_reconnects_total`).
    static let reconnectsLabel = "baton_listener_reconnects_total"

    /// Stops listening and closes the connection.
    func close() async {
        let task = state.withLock { state in
            state.closed = true
            return state.task
        }
        task?.cancel()
        await task?.value
    }

    /// Returns once the hub listens, starting it on first use.
    /// Waits until the hub listens; a cancelled caller stops waiting at once (the hub goes on connecting).
    private func ready(_ token: Int) async throws {
        enum Next { case go, closed, wait, cancelled }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let (next, idle) = state.withLock { state -> (Next, CheckedContinuation<Bool, Never>?) in
                    if state.closed { return (.closed, nil) }
                    if state.isListening { return (.go, nil) }
                    if Task.isCancelled { return (.cancelled, nil) }
                    state.readyWaiters[token] = continuation
                    defer { state.idle = nil }
                    if state.task == nil {
                        state.task = Task {
                            switch listening {
                            case .direct(let configuration): await self.listen(on: configuration)
                            case .polling(let interval): await self.poll(every: interval)
                            }
                        }
                    }
                    return (.wait, state.idle)
                }
                idle?.resume(returning: true)
                switch next {
                case .go: continuation.resume()
                case .closed: continuation.resume(throwing: PostgresError(code: .connectionClosed, message: "the broker is closed"))
                case .cancelled: continuation.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            state.withLock { $0.readyWaiters.removeValue(forKey: token) }?.resume(throwing: CancellationError())
        }
    }

    /// Wakes every subscriber every `interval` to look again, until cancelled: what a process
    /// that cannot LISTEN does instead.
    private func poll(every interval: Duration) async {
        listening(true)
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let signals = state.withLock { $0.subscribers.values.map(\.signal) }
            for signal in signals { signal.fire() }
        }
        listening(false, error: CancellationError())
    }

    /// Listens until cancelled, reconnecting with backoff when the connection breaks.
    private func listen(on configuration: ConnectionConfiguration) async {
        var backoff = ReconnectBackoff()
        while !Task.isCancelled {
            do {
                let connection = try await Connection.connect(configuration)
                do {
                    try await serve(connection, backoff: &backoff)
                    await connection.close()
                } catch {
                    await connection.close()
                    throw error
                }
            } catch {
                listening(false, error: error)
            }
            Gauge(label: Self.connectedLabel).record(0)
            guard !Task.isCancelled else { break }
            try? await Task.sleep(for: backoff.ended())
        }
        listening(false, error: CancellationError())
    }

    /// Listens on the connection until it breaks or the hub is cancelled; UNLISTENs while
    /// every subscriber is paused, and LISTENs again when one resumes or subscribes.
    private func serve(_ connection: Connection, backoff: inout ReconnectBackoff) async throws {
        var connected = false
        repeat {
            try await connection.listen(on: BatonEvent.channel) { notifications in
                if !connected {
                    connected = true
                    backoff.listened()
                    let reconnected = state.withLock { state in
                        defer { state.everListened = true }
                        return state.everListened
                    }
                    if reconnected { Counter(label: Self.reconnectsLabel).increment() }
                    Gauge(label: Self.connectedLabel).record(1)
                }
                listening(true)
                for try await notification in notifications {
                    dispatch(notification.payload)
                    let stops = state.withLock { state in
                        guard state.allPaused else { return false }
                        state.isListening = false
                        return true
                    }
                    if stops { return }
                }
            }
        } while await wanted()
    }

    /// Waits, not listening, until a subscriber wants notifications: true then, false when the
    /// hub is cancelled or closed.
    private func wanted() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now: Bool? = state.withLock { state in
                    if Task.isCancelled || state.closed { return false }
                    if !state.readyWaiters.isEmpty || (!state.subscribers.isEmpty && !state.allPaused) { return true }
                    state.idle = continuation
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            state.withLock { state in
                defer { state.idle = nil }
                return state.idle
            }?.resume(returning: false)
        }
    }

    /// Records whether the hub listens; on a change, wakes every subscriber to check again
    /// (something may have finished while nobody listened).
    private func listening(_ isListening: Bool, error: (any Error)? = nil) {
        let (waiters, signals) = state.withLock { state in
            state.isListening = isListening
            defer { state.readyWaiters = [:] }
            return (Array(state.readyWaiters.values), state.subscribers.values.map(\.signal))
        }
        for waiter in waiters {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
        for signal in signals { signal.fire() }
    }

    /// Fires the signals of the subscribers the payload's events concern.
    private func dispatch(_ payload: String) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        var signals: [Signal]
        if subscribers.allSatisfy({ $0.ids.isEmpty }) {
            // Clusters only: whether to wake their workers, or their cancellers, is all there is to know.
            signals = BatonEvent.wakeWorkers(payload) ? subscribers.filter(\.wantsWork).map(\.signal) : []
            if subscribers.contains(where: \.wantsCancels), BatonEvent.mentionsCancel(payload) {
                signals += subscribers.filter(\.wantsCancels).map(\.signal)
            }
        } else {
            let events = BatonEvent.events(in: payload)
            signals = subscribers.filter { subscriber in
                events.contains { event in
                    event == .all || (event.wakesWorkers && subscriber.wantsWork)
                        || (subscriber.wantsCancels && { if case .cancelled = event { true } else { false } }())
                        || event.ids.contains { subscriber.ids.contains($0) }
                }
            }.map(\.signal)
        }
        signals += subscribers.filter(\.wantsEverything).map(\.signal)
        for signal in signals { signal.fire() }
    }
}
