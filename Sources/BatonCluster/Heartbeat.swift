import Baton
import Logging

/// Shows a cluster alive in `baton.clusters` and renews the leases of exactly the work alive
/// in it (`Leases`), every third of a lease, from its start until its last outcome is written
/// or handed back: through a graceful stop's grace period too.
struct Heartbeat: Sendable {
    let broker: Broker
    let configuration: ClusterConfiguration
    let functions: [String]
    let leases: Leases
    let logger: Logger
    /// Tasks this cluster has recorded so far, for `baton info`.
    let finished: @Sendable () -> Int

    /// One beat: registers the cluster (at its start) and renews what it holds.
    /// - Returns: how many leases were renewed.
    @discardableResult
    func beat() async throws -> Int {
        let (held, sent) = (leases.ids, ContinuousClock.now)
        let renewed = try await broker.pool.withConnection { connection in
            try await broker.heartbeat(
                cluster: configuration.name, workers: configuration.workers, functions: functions,
                lease: configuration.lease, held: held, finished: finished(), residentBytes: ResidentMemory.bytes(),
                on: connection)
        }
        leases.renewed(renewed, sent: sent)
        return renewed.count
    }

    /// Beats every `configuration.heartbeatInterval`, and after each beat calls `then`, until cancelled.
    func run(then: @Sendable () async -> Void) async {
        var failures = 0
        while true {
            do { try await Task.sleep(for: configuration.heartbeatInterval) } catch { return }
            do {
                try await beat()
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
            await then()
        }
    }
}
