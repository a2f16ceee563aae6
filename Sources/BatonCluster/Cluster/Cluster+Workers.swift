import Baton
import Foundation

extension Cluster {
    /// A worker of `lane`: takes the next task of its local queue and runs it, until the queue
    /// stops; in shifts (`Shift`), a new one after each task cancelled by request.
    func work(in lane: Lane) async {
        let signal = Signal()
        while await Shift().run({ await self.work(in: lane, shift: $0, signal: signal) }), !Task.isCancelled {}
    }

    /// One shift of a worker. Returns whether a task of it was cancelled by request (the
    /// worker goes on in another shift), false when the local queue stopped.
    private func work(in lane: Lane, shift: Shift, signal: Signal) async -> Bool {
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
            let cancelled = await process(task, in: lane, shift: shift)
            lane.state.withLock { $0.running -= 1 }
            // A task abandoned in any lane stops every lane: the process is to be replaced.
            if state.withLock({ !$0.abandoned.isEmpty }) {
                for lane in lanes {
                    lane.local.stop()
                    lane.wake.fire()
                }
            }
            if cancelled { return true }
        }
        return false
    }

    /// Runs one task under its timeout and hands its outcome to the completer.
    /// - Returns: whether it was cancelled by request (`shift` is cancelled then).
    func process(_ task: ClaimedTask, in lane: Lane, shift: Shift) async -> Bool {
        let started = ContinuousClock.now
        let figures = metrics.of(task)
        figures.waited.recordNanoseconds(task.waited.nanoseconds)
        broker.signals.willExecute(task)
        let (executor, broker) = (self.executor, self.broker)
        let ((outcome, abandoned), cancelled) = await running.run(task.id, in: shift) {
            await broker.traceAttempt(of: task, outcome: \.0) { await executor.run(task) }
        }
        let took = ContinuousClock.now - started
        lane.state.withLock { $0.prefetch.ran(for: took) }
        figures.run.recordNanoseconds(took.nanoseconds)
        // Cancelled by request: the cancel recorded it; its lease is gone.
        if cancelled, !abandoned {
            figures.attempts[.cancelled]?.increment()
            leases.drop([task.id])
            return true
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
            return cancelled
        }
        broker.signals.didExecute(task, outcome)
        figures.attempts[outcome.metricOutcome]?.increment()
        completer.submit(task, outcome)
        return cancelled
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
