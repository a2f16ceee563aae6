import Baton

/// `/clusters`: every registered cluster: alive or silent, its queues and workers, what it
/// runs and has finished, its memory, its uptime and its last heartbeat.
struct ClustersPage: Sendable {
    struct Listed: Sendable {
        let name: String, alive: Bool, queues: String, workers: Int, running: Int, finished: Int, memory: String
        let uptime: String, seen: String, functions: String
    }

    let title = "Clusters"
    let page = "clusters"
    let chrome: Chrome
    let clusters: [Listed]

    static func build(_ request: PageRequest) async throws -> ClustersPage {
        let clusters = try await request.broker.clusters().map { cluster in
            Listed(
                name: cluster.name, alive: cluster.alive,
                queues: cluster.queues.keys.sorted().map { "\($0)=\(cluster.queues[$0]!)" }.joined(separator: " "),
                workers: cluster.workers, running: cluster.running, finished: cluster.finished,
                memory: Format.megabytes(cluster.residentBytes), uptime: Format.duration(seconds: cluster.uptimeSeconds),
                seen: Format.duration(seconds: cluster.seenSecondsAgo), functions: cluster.functions.joined(separator: ", "))
        }
        return ClustersPage(chrome: request.chrome, clusters: clusters)
    }
}
