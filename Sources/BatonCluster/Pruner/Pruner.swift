import Baton
import Logging

/// Keeps the history in bounds: every `every`, deletes finished results older than `keep`,
/// or beyond each function's newest `keepPerFunction`, in batches of `batch` with a pause
/// between them, so that the queue's own statements never wait long behind it. One cluster
/// prunes at a time (`baton.prune_results` takes a lock); the others find it taken.
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
        while !Task.isCancelled {
            do { try await Task.sleep(for: every) } catch { return }
            var total = 0
            do {
                while !Task.isCancelled {
                    let (broker, keep, perFunction) = (self.broker, self.keep, self.keepPerFunction)
                    let deleted = try await broker.withConnection(answeringWithin: answerLimit) {
                        try await broker.worker.pruneResults(
                            keep: keep, keepPerFunction: perFunction, batch: Self.batch, on: $0)
                    }
                    total += deleted
                    guard deleted == Self.batch else { break }
                    try await Task.sleep(for: Self.pause)
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
