import Baton
import Logging

/// Puts back the tasks of clusters whose leases ran out, deletes expired cached results and
/// forgets clusters that have been silent for three leases. Any cluster may run it; one at a
/// time does the work. Its failures are logged, never thrown: a task it cannot rescue must
/// not stop the cluster.
struct Rescuer: Sendable {
    let broker: Broker
    let logger: Logger
    /// How long each statement may wait for its answer.
    let answerLimit: Duration
    let metrics: ClusterMetrics

    /// A pass every `interval` until cancelled, apart from the heartbeat: a rescue that is
    /// slow (many expired leases, a connection gone dead) delays no lease renewal.
    func run(every interval: Duration) async {
        while true {
            do { try await Task.sleep(for: interval) } catch { return }
            await pass()
        }
    }

    func pass() async {
        do {
            let (rescued, forgotten) = try await broker.withConnection(answeringWithin: answerLimit) { connection in
                (try await broker.worker.rescueExpiredLeases(on: connection), try await broker.worker.pruneExpired(on: connection))
            }
            if !rescued.isEmpty {
                metrics.rescued.increment(by: rescued.count)
                logger.warning("rescued tasks whose lease expired", metadata: [
                    "tasks": "\(rescued.map(\.lowercasedText).joined(separator: ","))",
                ])
            }
            if !forgotten.isEmpty {
                logger.warning("forgot clusters silent for three leases", metadata: [
                    "clusters": "\(forgotten.joined(separator: ","))",
                ])
            }
        } catch where Task.isCancelled {
        } catch {
            logger.error("rescuing expired leases failed; the next heartbeat tries again", metadata: ["error": "\(error)"])
        }
    }
}
