import Baton

/// `/queues`: every queue with work, a setting or a cluster (`baton.queue_status`), with
/// pause, resume and a running limit for every cluster at once.
struct QueuesPage: Sendable {
    struct Listed: Sendable {
        let name: String, href: String, queued: Int, delayed: Int, running: Int, waiting: Int, oldest: String
        let clusters: Int?, workers: Int, paused: Bool, limit: Int?
    }

    let title = "Queues"
    let page = "queues"
    let chrome: Chrome
    let queues: [Listed]

    static func build(_ request: PageRequest) async throws -> QueuesPage {
        let queues = try await request.broker.queues().map { queue in
            Listed(
                name: queue.name, href: request.links.tasks(queue: queue.name), queued: queue.queued, delayed: queue.delayed,
                running: queue.running, waiting: queue.waiting,
                oldest: queue.oldestDueAge.map { Format.duration(seconds: $0) + " ago" } ?? "",
                clusters: queue.clusters > 0 ? queue.clusters : nil, workers: queue.workers, paused: queue.paused,
                limit: queue.runningLimit)
        }
        return QueuesPage(chrome: request.chrome, queues: queues)
    }
}
