import Synchronization

/// Connections for many concurrent callers, at most `maxConnections` open at once.
///
/// Callers beyond that wait in line, first come first served; a waiting caller whose task
/// is cancelled leaves the line. A connection that broke or was left inside a transaction
/// is closed, never handed out again.
public final class ConnectionPool: Sendable {
    public let configuration: ConnectionConfiguration
    /// A caller waiting for a connection; nil hands it a slot to open one in.
    private typealias Waiter = CheckedContinuation<Connection?, any Error>

    private struct Guarded {
        var state: PoolState<Connection>
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    private let guarded: Mutex<Guarded>

    public init(configuration: ConnectionConfiguration, maxConnections: Int = 10) {
        self.configuration = configuration
        guarded = Mutex(Guarded(state: PoolState(maxConnections: maxConnections)))
    }

    /// Lends `body` a connection of its own for as long as it runs.
    public func withConnection<R>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Connection) async throws -> sending R
    ) async throws -> sending R {
        let connection = try await lease()
        do {
            let value = try await body(connection)
            release(connection)
            return value
        } catch {
            release(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction on a pooled connection.
    @discardableResult
    public func transaction<R>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (Transaction) async throws -> sending R
    ) async throws -> sending R {
        try await withConnection { connection in try await connection.transaction(body) }
    }

    /// Closes the idle connections and fails the waiting callers; connections in use
    /// close as they come back.
    public func close() async {
        let (idle, waiters) = guarded.withLock { guarded in
            let (idle, ids) = guarded.state.close()
            let waiters = ids.compactMap { guarded.waiters.removeValue(forKey: $0) }
            return (idle, waiters)
        }
        for waiter in waiters { waiter.resume(throwing: PostgresError.closed) }
        for connection in idle { await connection.close() }
    }

    /// (connections open, idle, callers waiting), for tests and `info`.
    public var statistics: (open: Int, idle: Int, waiting: Int) {
        guarded.withLock { ($0.state.openCount, $0.state.idle.count, $0.state.waiters.count) }
    }

    private func lease() async throws -> Connection {
        try Task.checkCancellation()
        let waiter = guarded.withLock { guarded in
            guarded.nextWaiter += 1
            return guarded.nextWaiter
        }
        let served = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: Waiter) in
                let (action, cancelledEarly) = guarded.withLock { guarded in
                    let action = guarded.state.lease(waiter: waiter)
                    guard case .wait = action else { return (action, false) }
                    // Cancelled before joining the line: onCancel found nobody to remove.
                    if Task.isCancelled, guarded.state.cancel(waiter: waiter) { return (action, true) }
                    guarded.waiters[waiter] = continuation
                    return (action, false)
                }
                switch action {
                case .use(let connection): continuation.resume(returning: connection)
                case .open: continuation.resume(returning: nil)
                case .wait: if cancelledEarly { continuation.resume(throwing: CancellationError()) }
                case .closed: continuation.resume(throwing: PostgresError.closed)
                }
            }
        } onCancel: {
            let continuation = guarded.withLock { guarded in
                guarded.state.cancel(waiter: waiter) ? guarded.waiters.removeValue(forKey: waiter) : nil
            }
            continuation?.resume(throwing: CancellationError())
        }
        // A slot of its own: opened in the caller's task, so that its cancellation ends a connect that hangs.
        if let served { return served }
        return try await openReserved()
    }

    /// Opens a connection in the slot the caller reserved; on failure frees the slot.
    private func openReserved() async throws -> Connection {
        do {
            return try await Connection.connect(configuration)
        } catch {
            slotFreed()
            throw error
        }
    }

    /// A connection that went unanswered past its limit takes the idle ones with it: they
    /// most likely went through the same broken network, and each would cost its next user
    /// a limit of its own. Callers open new ones as they need them.
    private func release(_ connection: Connection) {
        let unanswered = connection.wentUnanswered
        let (action, waiter, idle) = guarded.withLock { guarded in
            let action = guarded.state.release(connection, reusable: connection.isIdle)
            let idle = unanswered ? guarded.state.takeIdle() : []
            switch action {
            case .hand(_, let id), .open(for: let id): return (action, guarded.waiters.removeValue(forKey: id), idle)
            case .close, .none: return (action, nil, idle)
            }
        }
        if !idle.isEmpty { Task { for connection in idle { await connection.close() } } }
        switch action {
        case .hand(let connection, _): waiter?.resume(returning: connection)
        case .open: if let waiter { open(for: waiter) }
        case .close(let connection): Task { await connection.close() }
        case .none: break
        }
    }

    /// Opens a connection for a waiter whose slot is reserved; on failure frees the slot.
    private func open(for continuation: Waiter) {
        Task {
            do {
                continuation.resume(returning: try await Connection.connect(configuration))
            } catch {
                continuation.resume(throwing: error)
                slotFreed()
            }
        }
    }

    /// A connection could not be opened: its slot goes to the next waiter, if any.
    private func slotFreed() {
        let next = guarded.withLock { guarded in
            guarded.state.openFailed().flatMap { guarded.waiters.removeValue(forKey: $0) }
        }
        if let next { open(for: next) }
    }
}
