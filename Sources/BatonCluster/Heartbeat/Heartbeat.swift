import Baton
import Foundation
import Logging

/// Shows a cluster alive in `baton.clusters` and renews the leases of exactly the work alive
/// in it (`Leases`), every third of a lease, from its start until its last outcome is written
/// or handed back: through a graceful stop's grace period too. It has a loop of its own:
/// nothing else the cluster writes (outcomes, rescues) can hold a beat up.
struct Heartbeat: Sendable {
    let broker: Broker
    let configuration: ClusterConfiguration
    let functions: [String]
    let leases: Leases
    let logger: Logger
    let metrics: ClusterMetrics
    /// Tasks this cluster has recorded so far, for `baton info`.
    let finished: @Sendable () -> Int

    /// One beat: registers the cluster (at its start) and renews what it holds. With
    /// `limit`, a beat not done by then (no connection free, a connect or an answer that
    /// does not come) is given up, its connection closed: the next goes out on another.
    /// - Returns: how many leases were renewed.
    @discardableResult
    func beat(within limit: Duration? = nil) async throws -> Int {
        let (held, sent) = (leases.ids, ContinuousClock.now)
        let (broker, configuration, functions, finished) = (self.broker, self.configuration, self.functions, self.finished())
        let renew: @Sendable () async throws -> [UUID] = {
            try await broker.withConnection(answeringWithin: limit ?? configuration.lease) { connection in
                try await broker.worker.heartbeat(
                    cluster: configuration.name, workers: configuration.workers, functions: functions,
                    lease: configuration.lease, held: held, finished: finished, residentBytes: ResidentMemory.bytes(),
                    queues: configuration.queues, on: connection)
            }
        }
        let renewed = if let limit { try await withTimeLimit(limit, renew) } else { try await renew() }
        leases.renewed(renewed, sent: sent)
        if !renewed.isEmpty { metrics.renewed.increment(by: renewed.count) }
        return renewed.count
    }

    /// Beats every `configuration.heartbeatInterval` until cancelled, each within a third of
    /// a lease: a connection that went dead without a word (a network that dropped it) costs
    /// one beat, not every lease the cluster holds.
    func run() async {
        var failures = 0
        while true {
            do { try await Task.sleep(for: configuration.heartbeatInterval) } catch { return }
            do {
                try await beat(within: configuration.lease / 3)
                if failures > 0 { logger.info("heartbeat works again", metadata: ["failures": "\(failures)"]) }
                failures = 0
            } catch where Task.isCancelled {
                return
            } catch {
                failures += 1
                logger.error("heartbeat failed; leases not renewed", metadata: [
                    "error": "\(error)", "failures": "\(failures)",
                ])
            }
        }
    }
}

/// Work that took longer than its limit (`withTimeLimit`).
struct TimeLimitExceeded: Error, CustomStringConvertible {
    let limit: Duration
    var description: String { "no answer within \(limit)" }
}

/// Runs `body`, cancelled once `limit` has passed; throws `TimeLimitExceeded` then.
func withTimeLimit<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let value = try await group.next() ?? nil else { throw TimeLimitExceeded(limit: limit) }
        return value
    }
}
