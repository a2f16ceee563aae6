import Baton

extension Cluster {
    /// Removes the cluster from `baton.clusters`, even when cancelled.
    func leave() async {
        let (broker, name, limit) = (self.broker, configuration.name, configuration.answerLimit)
        do {
            try await Task.detached {
                try await broker.withConnection(answeringWithin: limit) { try await broker.worker.unregister(cluster: name, on: $0) }
            }.value
        } catch {
            logger.warning("could not remove the cluster from baton.clusters", metadata: ["error": "\(error)"])
        }
        logger.info("cluster stopped", metadata: ["name": "\(name)", "finished": "\(finishedCount)"])
    }
}
