import Baton
import Foundation
import Synchronization

extension Cluster {
    /// A worker: takes the next task of the local queue and runs it, until the queue stops.
    func work() async {
        let signal = Signal()
        while let task = await local.next(for: signal) {
            let refill = state.withLock { state in
                state.running += 1
                return state.queueMayHaveMore
            }
            if refill { wake.fire() }
            await process(task)
            state.withLock { $0.running -= 1 }
            if state.withLock({ !$0.abandoned.isEmpty }) {
                local.stop()
                wake.fire()
            }
        }
    }

    /// Runs one task under its timeout and hands its outcome to the completer.
    func process(_ task: ClaimedTask) async {
        let started = ContinuousClock.now
        let (outcome, abandoned) = await runWithTimeout(task)
        state.withLock { $0.prefetch.ran(for: ContinuousClock.now - started) }
        if abandoned {
            logger.critical("a task ignored the cancellation of its timeout; stopping the cluster", metadata: [
                "task": "\(task.id)", "function": "\(task.function)",
            ])
            state.withLock { $0.abandoned.append(task.id) }
        }
        // Cancelled (not a graceful stop) and not finished: hand the task back.
        if Task.isCancelled, case .failure = outcome, !abandoned {
            await handBack([task])
            return
        }
        completer.submit(task, outcome)
    }

    /// Hands tasks this cluster holds back to the queue unrun.
    func handBack(_ tasks: [ClaimedTask]) async {
        guard !tasks.isEmpty else { return }
        let (broker, owner) = (self.broker, configuration.name)
        _ = await LeaseRetry(lease: configuration.lease, logger: logger, tasks: tasks.map(\.id)).run {
            try await broker.pool.withConnection { connection in
                try await broker.release(tasks, owner: owner, on: connection)
            }
        }
    }

    /// Runs the task, cancelling it at its timeout. One that does not stop within
    /// `abandonAfter` of its cancellation is abandoned (`abandoned` is true).
    private func runWithTimeout(_ task: ClaimedTask) async -> (TaskOutcome, abandoned: Bool) {
        let registry = self.registry
        // Without a time limit the worker runs the task itself, and cancelling the worker cancels it.
        guard let limit = task.timeout ?? configuration.timeout else { return (await registry.execute(task), false) }
        let work = Task { await registry.execute(task) }
        let finished = await withTaskCancellationHandler {
            await first(of: work, within: limit)
        } onCancel: {
            work.cancel()
        }
        if let finished { return (finished, false) }
        work.cancel()
        let reason = "\(task.function): timed out after \(limit.seconds) s"
        if await first(of: work, within: configuration.abandonAfter) != nil { return (.failure(reason), false) }
        return (.failure(reason + "; it ignored cancellation, so its worker was abandoned"), true)
    }
}

/// The task's outcome if it finishes within `limit`, else nil (the task goes on running).
private func first(of work: Task<TaskOutcome, Never>, within limit: Duration) async -> TaskOutcome? {
    let race = Race()
    return await withCheckedContinuation { continuation in
        race.start(continuation)
        Task { race.finish(await work.value) }
        Task {
            try? await Task.sleep(for: limit)
            race.finish(nil)
        }
    }
}

/// Resumes a continuation with whichever result comes first.
private final class Race: Sendable {
    private let continuation = Mutex<CheckedContinuation<TaskOutcome?, Never>?>(nil)

    func start(_ continuation: CheckedContinuation<TaskOutcome?, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func finish(_ value: TaskOutcome?) {
        let waiting = continuation.withLock { continuation in
            defer { continuation = nil }
            return continuation
        }
        waiting?.resume(returning: value)
    }
}
