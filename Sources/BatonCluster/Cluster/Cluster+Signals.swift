import Baton
import Logging

// Not swift-service-lifecycle's ServiceGroup: its graceful-shutdown and cancellation signals
// are separate sets, so the same SIGTERM (or Ctrl-C) cannot mean "stop gracefully" the first
// time and "hand back now" the second, and it does not see a signal caught while the process
// was still starting (`StopSignals.catchNow()`). A `Cluster` is a `Service` all the same, for
// an app that runs it in its own ServiceGroup (Examples/CustomWorker).
extension Cluster {
    /// Runs until SIGTERM or SIGINT, for a worker process: the first signal stops claiming and
    /// gives running tasks `grace` to finish, then hands the rest back to the queue; a second
    /// signal hands them back at once. Returns when the cluster has stopped. A signal caught
    /// before this call (`StopSignals.catchNow()`) counts as the first.
    /// - Throws: `BatonError.clusterWedged` when a task ignored its timeout (exit non-zero
    ///   then, so that a supervisor starts a fresh process).
    public func runUntilSignalled(grace: Duration) async throws {
        let running = Task { try await run() }
        let logger = self.logger
        let stoppedEarly = Locked(false)
        let signals = StopSignals.listen { [self] count in
            // Said before anything else, so that a stop that hangs still shows it was asked for.
            logger.info("stop signal received", metadata: ["count": "\(count)"])
            if count == 1 && !hasStarted {
                // Still connecting or registering: nothing runs yet, so nothing needs the grace.
                logger.info("stopping before the cluster started")
                stoppedEarly.withLock { $0 = true }
                shutdown()
                running.cancel()
            } else if count == 1 {
                logger.info("stopping: no new tasks; running ones get \(grace) to finish")
                shutdown()
                Task {
                    try await Task.sleep(for: grace)
                    logger.warning("grace period over: handing unfinished tasks back")
                    running.cancel()
                }
            } else {
                logger.warning("second signal: handing unfinished tasks back now")
                running.cancel()
            }
        }
        defer { signals.cancel() }
        do {
            try await running.value
        } catch where stoppedEarly.withLock({ $0 }) && !hasStarted {
            // Asked to stop while it was still connecting: that is a clean stop, not a failure.
        }
    }
}
