import Baton
import Foundation
import Synchronization

extension Cluster {
    /// Runs one task under its timeout and records the outcome; frees its worker.
    func process(_ task: ClaimedTask) async {
        defer {
            state.withLock { $0.running -= 1 }
            wake.fire()
        }
        let (outcome, abandoned) = await runWithTimeout(task)
        if abandoned {
            logger.critical("a task ignored the cancellation of its timeout; stopping the cluster", metadata: [
                "task": "\(task.id)", "function": "\(task.function)",
            ])
            state.withLock { $0.abandoned.append(task.id) }
        }
        // Cancelled (not a graceful stop) and not finished: hand the task back.
        if Task.isCancelled, case .failure = outcome, !abandoned {
            await record(task) { connection in
                try await self.broker.release(task, owner: self.configuration.name, on: connection)
            }
            return
        }
        await record(task) { connection in
            if try await self.broker.complete(task, outcome: outcome, owner: self.configuration.name, on: connection) {
                self.state.withLock { $0.finished += 1 }
            } else {
                self.logger.warning("the task's lease was lost before its outcome was recorded; another worker has it",
                                    metadata: ["task": "\(task.id)"])
            }
        }
    }

    /// Runs the task, cancelling it at its timeout. One that does not stop within
    /// `abandonAfter` of its cancellation is abandoned (`abandoned` is true).
    private func runWithTimeout(_ task: ClaimedTask) async -> (TaskOutcome, abandoned: Bool) {
        let registry = self.registry
        let work = Task { await registry.execute(task) }
        guard let limit = task.timeout ?? configuration.timeout else {
            return (await withTaskCancellationHandler { await work.value } onCancel: { work.cancel() }, false)
        }
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

    /// Records an outcome, retrying through dropped connections (a restarting database)
    /// until it works or the lease would have run out.
    private func record(_ task: ClaimedTask, _ write: @escaping @Sendable (Connection) async throws -> Void) async {
        let (broker, logger, lease) = (self.broker, self.logger, configuration.lease)
        // Detached: recording is not cancelled with the cluster.
        await Task.detached {
            let deadline = ContinuousClock.now + lease
            var delay = Duration.milliseconds(50)
            while true {
                do {
                    try await broker.pool.withConnection { connection in try await write(connection) }
                    return
                } catch {
                    guard ContinuousClock.now + delay < deadline else {
                        logger.error("could not record a task's outcome; its lease will expire and it will run again",
                                     metadata: ["task": "\(task.id)", "error": "\(error)"])
                        return
                    }
                    logger.warning("recording a task's outcome failed; retrying", metadata: [
                        "task": "\(task.id)", "error": "\(error)",
                    ])
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(2))
                }
            }
        }.value
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
