import Baton
import Foundation

extension Cluster {
    /// A worker of `lane`: takes the next task of its local queue and runs it, until the queue stops.
    func work(in lane: Lane) async {
        let signal = Signal()
        while let task = await lane.local.next(for: signal) {
            guard leases.mayStart(task.id) else {
                // Paused or cut off past its lease: another worker may have it by now. Handed
                // back if it is still this cluster's (its attempt not counted), else left alone.
                logger.warning("""
                    not starting a task whose lease may have run out (this cluster was paused or cut off); \
                    handing it back
                    """, metadata: ["task": "\(task.id.lowercasedText)", "function": "\(task.function)"])
                await handBack([task])
                continue
            }
            let refill = lane.state.withLock { state in
                state.running += 1
                return state.queueMayHaveMore
            }
            if refill { lane.wake.fire() }
            await process(task, in: lane)
            lane.state.withLock { $0.running -= 1 }
            // A task abandoned in any lane stops every lane: the process is to be replaced.
            if state.withLock({ !$0.abandoned.isEmpty }) {
                for lane in lanes {
                    lane.local.stop()
                    lane.wake.fire()
                }
            }
        }
    }

    /// Runs one task under its timeout and hands its outcome to the completer.
    func process(_ task: ClaimedTask, in lane: Lane) async {
        let started = ContinuousClock.now
        let figures = metrics.of(task)
        figures.waited.recordNanoseconds(task.waited.nanoseconds)
        broker.signals.willExecute(task)
        let (executor, broker) = (self.executor, self.broker)
        let ((outcome, abandoned), cancelled) = await running.run(task.id) {
            await broker.traceAttempt(of: task, outcome: \.0) { await executor.run(task) }
        }
        let took = ContinuousClock.now - started
        lane.state.withLock { $0.prefetch.ran(for: took) }
        figures.run.recordNanoseconds(took.nanoseconds)
        // Cancelled by request: the cancel recorded it; its lease is gone.
        if cancelled, !abandoned {
            figures.attempts[.cancelled]?.increment()
            leases.drop([task.id])
            return
        }
        if abandoned {
            logger.critical("a task ignored the cancellation of its timeout; stopping the cluster", metadata: [
                "task": "\(task.id.lowercasedText)", "function": "\(task.function)",
            ])
            state.withLock { $0.abandoned.append(task.id) }
        }
        // Cancelled (not a graceful stop) and not finished: hand the task back.
        if Task.isCancelled, case .failure = outcome, !abandoned {
            await handBack([task])
            return
        }
        broker.signals.didExecute(task, outcome)
        figures.attempts[outcome.metricOutcome]?.increment()
        completer.submit(task, outcome)
    }

    /// Hands tasks this cluster holds back to the queue unrun. Their leases are let go
    /// either way: a hand-back that could not be written leaves them to the rescuer.
    func handBack(_ tasks: [ClaimedTask]) async {
        guard !tasks.isEmpty else { return }
        let (broker, owner, limit) = (self.broker, configuration.name, configuration.answerLimit)
        _ = await LeaseRetry(lease: configuration.lease, logger: logger, tasks: tasks.map(\.id)).run {
            try await broker.withConnection(answeringWithin: limit) { connection in
                try await broker.worker.release(tasks, owner: owner, on: connection)
            }
        }
        leases.drop(tasks.map(\.id))
    }
}
