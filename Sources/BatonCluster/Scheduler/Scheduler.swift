import Baton
import Logging

/// Fires the due schedules from this cluster (`baton.fire_schedules`): every cluster does,
/// and the database lets each due schedule be fired by one of them, once. It looks again
/// when the earliest schedule is due, and at least every `lookEvery`, for schedules made or
/// changed since.
struct Scheduler: Sendable {
    let broker: Broker
    let owner: String
    let answerLimit: Duration
    let logger: Logger

    /// The longest wait between two looks: how late a schedule made a moment ago may fire.
    static let lookEvery: Duration = .seconds(1)

    func run() async {
        var failures = 0
        while !Task.isCancelled {
            var wait = Self.lookEvery
            do {
                let (broker, owner) = (self.broker, self.owner)
                let (fired, nextDue) = try await broker.withConnection(answeringWithin: answerLimit) {
                    try await broker.worker.fireSchedules(owner: owner, on: $0)
                }
                if fired > 0 { logger.debug("fired schedules", metadata: ["tasks": "\(fired)"]) }
                if failures > 0 { logger.info("firing schedules works again", metadata: ["failures": "\(failures)"]) }
                failures = 0
                if let nextDue { wait = min(wait, max(nextDue, .milliseconds(5))) }
            } catch where Task.isCancelled {
                return
            } catch {
                failures += 1
                logger.error("firing schedules failed; retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
                wait = .milliseconds(min(5000, 50 << min(failures, 7)))
            }
            do { try await Task.sleep(for: wait) } catch { return }
        }
    }
}
