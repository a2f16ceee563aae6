import Baton
import Synchronization

/// Runs tasks under their time limits: the task's own timeout, else the cluster's. A task
/// that does not stop within `abandonAfter` of its cancellation is abandoned.
struct Executor<C: Clock>: Sendable where C.Duration == Duration {
    let registry: TaskRegistry
    /// The limit of a task that sets none; nil: none.
    let timeout: Duration?
    let abandonAfter: Duration
    let clock: C

    /// Runs the task, cancelling it at its timeout.
    /// - Returns: its outcome, and whether it ignored its cancellation (its worker is lost).
    func run(_ task: ClaimedTask) async -> (TaskOutcome, abandoned: Bool) {
        let registry = self.registry
        // Without a time limit the worker runs the task itself, and cancelling the worker cancels it.
        guard let limit = task.timeout ?? timeout else { return (await registry.execute(task), false) }
        let work = Task { await registry.execute(task) }
        let finished = await withTaskCancellationHandler {
            await first(of: work, within: limit)
        } onCancel: {
            work.cancel()
        }
        if let finished { return (finished, false) }
        work.cancel()
        let reason = "\(task.function): timed out after \(limit.seconds) s"
        if await first(of: work, within: abandonAfter) != nil { return (.failure(reason), false) }
        return (.failure(reason + "; it ignored cancellation, so its worker was abandoned"), true)
    }

    /// The task's outcome if it finishes within `limit`, else nil (the task goes on running).
    /// The timer is cancelled when the task wins: thousands of short tasks with a long
    /// timeout leave no sleepers behind.
    private func first(of work: Task<TaskOutcome, Never>, within limit: Duration) async -> TaskOutcome? {
        let race = Race()
        let clock = self.clock
        return await withCheckedContinuation { continuation in
            race.start(continuation)
            let timer = Task {
                try? await clock.sleep(for: limit)
                race.finish(nil)
            }
            Task {
                race.finish(await work.value)
                timer.cancel()
            }
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
