import CLibPQ
import Foundation
import Synchronization

/// The engine of one connection: a thread of its own that owns the `PGconn` and runs
/// every libpq call, so that no blocking call ever runs on Swift's cooperative pool.
///
/// Callers hand it jobs with `perform`; the thread runs them one at a time, in order.
/// Between jobs it sleeps in `poll()` on an eventfd (new jobs, cancellation) and, while
/// anyone listens for notifications, on the connection's socket too: it is woken by
/// data, never by a timer. Everything not in `shared` is touched only on that thread.
final class ConnectionCore: @unchecked Sendable {
    typealias Job = @Sendable (ConnectionCore) -> Void

    private struct Shared {
        var jobs: [(id: UInt64, job: Job)] = []
        var nextJobID: UInt64 = 0
        var lastFinishedJobID: UInt64 = 0
        var cancelled: Set<UInt64> = []
        var stopping = false
        var exited = false
        var exitWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let shared = Mutex(Shared())
    let wakeDescriptor: Int32
    /// What other threads may read about the connection: kept current after every job.
    let snapshot = Mutex(ConnectionSnapshot())

    // Thread-confined state.
    var handle: ConnectionHandle?
    var configuration = ConnectionConfiguration.environment
    var preparedStatements: [String: String] = [:]
    var subscribers: [UInt64: NotificationSubscriber] = [:]
    var nextSubscriberID: UInt64 = 0
    private(set) var currentJobID: UInt64 = 0
    /// When the statement now running must have been answered, and its limit (`Connection.answerLimit`).
    var answerDeadline: (at: ContinuousClock.Instant, limit: Duration)?

    init() throws {
        let descriptor = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard descriptor >= 0 else {
            throw PostgresError(code: .connectionFailed, message: "eventfd failed: errno \(errno)")
        }
        wakeDescriptor = descriptor
        let thread = Thread { [self] in runLoop() }
        thread.name = "baton-libpq"
        thread.start()
    }

    deinit {
        close(wakeDescriptor)
    }

    /// Runs `body` on the connection's thread and returns its result.
    ///
    /// - Parameter cancellable: whether cancelling the calling task cancels the job (a
    ///   running statement gets libpq's cancel request). Clean-up such as `ROLLBACK` is not.
    func perform<T: Sendable>(
        cancellable: Bool = true,
        _ body: @escaping @Sendable (ConnectionCore) throws -> T
    ) async throws -> T {
        let id = shared.withLock { state in
            state.nextJobID += 1
            return state.nextJobID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let job: Job = { core in
                    if cancellable, core.isCancelRequested {
                        continuation.resume(throwing: CancellationError())
                    } else {
                        continuation.resume(with: Result { try body(core) })
                    }
                }
                if !enqueue(id: id, job) { continuation.resume(throwing: PostgresError.closed) }
            }
        } onCancel: {
            if cancellable { requestCancel(id) }
        }
    }

    /// Asks the thread to finish the jobs it has and then release the connection.
    func stop() {
        shared.withLock { $0.stopping = true }
        wake()
    }

    /// Stops the thread and waits until it has released the connection.
    func stopAndWait() async {
        stop()
        await withCheckedContinuation { continuation in
            let exited = shared.withLock { state in
                if !state.exited { state.exitWaiters.append(continuation) }
                return state.exited
            }
            if exited { continuation.resume() }
        }
    }

    /// Whether the job now running was cancelled by its caller.
    var isCancelRequested: Bool {
        let id = currentJobID
        return shared.withLock { $0.cancelled.contains(id) }
    }

    private func enqueue(id: UInt64, _ job: @escaping Job) -> Bool {
        let accepted = shared.withLock { state in
            guard !state.stopping else { return false }
            state.jobs.append((id, job))
            return true
        }
        if accepted { wake() }
        return accepted
    }

    private func requestCancel(_ id: UInt64) {
        shared.withLock { state in
            if id > state.lastFinishedJobID { state.cancelled.insert(id) }
        }
        wake()
    }

    func wake() {
        var one: UInt64 = 1
        _ = write(wakeDescriptor, &one, 8)
    }

    func drainWake() {
        var count: UInt64 = 0
        _ = read(wakeDescriptor, &count, 8)
    }

    private enum Step {
        case run(UInt64, Job)
        case idle
        case exit
    }

    private func runLoop() {
        while true {
            let step: Step = shared.withLock { state in
                if !state.jobs.isEmpty {
                    let next = state.jobs.removeFirst()
                    return .run(next.id, next.job)
                }
                return state.stopping ? .exit : .idle
            }
            switch step {
            case .run(let id, let job):
                currentJobID = id
                job(self)
                shared.withLock { state in
                    state.lastFinishedJobID = id
                    state.cancelled.remove(id)
                }
            case .idle:
                waitWhileIdle()
            case .exit:
                finishSubscribers(throwing: PostgresError.closed)
                handle = nil
                updateSnapshot()
                let waiters = shared.withLock { state in
                    state.exited = true
                    defer { state.exitWaiters = [] }
                    return state.exitWaiters
                }
                for waiter in waiters { waiter.resume() }
                return
            }
        }
    }

    /// Sleeps until a job arrives or, while anyone listens, until the server sends data.
    private func waitWhileIdle() {
        let socket = subscribers.isEmpty ? -1 : handle.map { PQsocket($0.pointer) } ?? -1
        let ready = waitReadable(socket: socket)
        if ready.wake { drainWake() }
        if ready.socket { readNotifications() }
    }

    /// Blocks in `poll()` until the eventfd or the socket (when not -1) is readable, or
    /// `deadline` passes.
    func waitReadable(socket: Int32, until deadline: ContinuousClock.Instant? = nil) -> (wake: Bool, socket: Bool) {
        var descriptors = [
            pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
        ]
        let count: nfds_t = socket >= 0 ? 2 : 1
        while true {
            var milliseconds: Int32 = -1
            if let deadline {
                let left = (deadline - .now).components
                let rounded = left.seconds * 1000 + (left.attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
                milliseconds = Int32(clamping: max(0, rounded))
            }
            if poll(&descriptors, count, milliseconds) >= 0 || errno != EINTR { break }
        }
        let readable = Int16(POLLIN | POLLERR | POLLHUP)
        return (descriptors[0].revents & readable != 0, descriptors[1].revents & readable != 0)
    }

    /// Publishes the connection's state for other threads: broken, in a transaction.
    func updateSnapshot() {
        let next: ConnectionSnapshot
        if let handle {
            next = ConnectionSnapshot(
                isBroken: PQstatus(handle.pointer) != CONNECTION_OK,
                isIdle: PQtransactionStatus(handle.pointer) == PQTRANS_IDLE,
                backendPID: PQbackendPID(handle.pointer)
            )
        } else {
            next = snapshot.withLock { ConnectionSnapshot(isBroken: true, isIdle: false, backendPID: $0.backendPID,
                                                          wentUnanswered: $0.wentUnanswered) }
        }
        snapshot.withLock { $0 = next }
    }
}

/// A connection's state as other threads see it.
struct ConnectionSnapshot: Sendable {
    var isBroken = true
    var isIdle = false
    var backendPID: Int32 = 0
    /// Closed because a statement's answer did not come within `Connection.answerLimit`.
    var wentUnanswered = false
}
