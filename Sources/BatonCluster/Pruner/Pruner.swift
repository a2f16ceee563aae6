import Baton
import Logging

/// Keeps the history in bounds: a second after the cluster starts and every `every` after,
/// deletes finished results older than `keep`, or beyond each function's newest
/// `keepPerFunction`, in batches of `batch`, resting four times as long as each batch took
/// (at least `pause`), so that pruning takes at most a fifth of one connection's time and
/// the queue's own statements never wait long behind it. One cluster prunes at a time
/// (`baton.prune_results` takes a lock); the others find it taken.
struct Pruner: Sendable {
    let broker: Broker
    let keep: Duration?
    let keepPerFunction: Int?
    let every: Duration
    let answerLimit: Duration
    let logger: Logger

    static let batch = 1000
    static let pause: Duration = .milliseconds(50)

    func run() async {
        guard keep != nil || keepPerFunction != nil else { return }
        var wait = min(every, .seconds(1))
        while !Task.isCancelled {
            do { try await Task.sleep(for: wait) } catch { return }
            wait = every
            var total = 0
            do {
                while !Task.isCancelled {
                    let (broker, keep, perFunction) = (self.broker, self.keep, self.keepPerFunction)
                    let started = ContinuousClock.now
                    let deleted = try await broker.withConnection(answeringWithin: answerLimit) {
                        try await broker.worker.pruneResults(
                            keep: keep, keepPerFunction: perFunction, batch: Self.batch, on: $0)
                    }
                    total += deleted
                    guard deleted == Self.batch else { break }
                    try await Task.sleep(for: max(Self.pause, (ContinuousClock.now - started) * 4))
                }
                if total > 0 { logger.info("pruned old results", metadata: ["results": "\(total)"]) }
            } catch where Task.isCancelled {
                return
            } catch {
                logger.warning("pruning old results failed; trying again later", metadata: ["error": "\(error)"])
            }
        }
    }
}
