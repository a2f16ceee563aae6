import Baton

extension Cluster {
    /// The heartbeat: shows the cluster alive, renews its leases, prunes the cache, and
    /// rescues the tasks of clusters whose leases expired.
    func upkeep() async throws {
        try await broker.pool.withConnection { connection in
            try await broker.heartbeat(
                cluster: configuration.name, workers: configuration.workers, functions: functions,
                lease: configuration.lease, on: connection)
            let rescued = try await broker.rescueExpiredLeases(on: connection)
            if !rescued.isEmpty {
                logger.warning("rescued tasks whose lease expired", metadata: [
                    "tasks": "\(rescued.map(\.uuidString).joined(separator: ","))",
                ])
            }
        }
    }

    /// Removes the cluster from `baton.clusters`, even when cancelled.
    func leave() async {
        let (broker, name) = (self.broker, configuration.name)
        do {
            try await Task.detached {
                try await broker.pool.withConnection { try await broker.unregister(cluster: name, on: $0) }
            }.value
        } catch {
            logger.warning("could not remove the cluster from baton.clusters", metadata: ["error": "\(error)"])
        }
        logger.info("cluster stopped", metadata: ["name": "\(name)", "finished": "\(finishedCount)"])
    }
}
