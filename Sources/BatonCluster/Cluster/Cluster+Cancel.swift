import Baton
import Foundation

extension Cluster {
    /// On each `cancelled` notification (`Broker.cancel`), looks which of the tasks this
    /// cluster runs or has yet to start it no longer holds a lease on, and cancels them: the
    /// running ones' functions see Swift cancellation, the others leave the local queues. Their
    /// records were written by the cancel; nothing more is recorded for them.
    func cancelOnNotice(_ subscription: WorkSubscription) async {
        while !Task.isCancelled {
            guard await subscription.signal.wait(until: nil) else { continue }
            let held = running.ids + lanes.flatMap { $0.local.ids }
            guard !held.isEmpty else { continue }
            let (broker, owner, limit) = (self.broker, configuration.name, configuration.answerLimit)
            do {
                let gone = try await broker.withConnection(answeringWithin: limit) {
                    try await broker.worker.notHeld(held, owner: owner, on: $0)
                }
                guard !gone.isEmpty else { continue }
                running.cancel(gone)
                for lane in lanes { _ = lane.local.remove(Set(gone)) }
                leases.drop(gone)
                logger.info("tasks were cancelled; stopping them", metadata: ["tasks": "\(LeaseRetry.list(gone))"])
            } catch where Task.isCancelled {
                return
            } catch {
                logger.warning("could not look which tasks were cancelled; their leases run out instead",
                               metadata: ["error": "\(error)"])
            }
        }
    }
}
