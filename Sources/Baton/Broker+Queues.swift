import Foundation
import LibPQ

extension Broker {
    /// Pauses a queue for every cluster at once: its tasks stay queued (enqueueing goes on),
    /// the ones running finish. Takes effect at each cluster's next claim.
    public func pauseQueue(_ name: String) async throws {
        try await steer(name, paused: true)
    }

    /// Resumes a paused queue; clusters serving it claim at once (NOTIFY).
    public func resumeQueue(_ name: String) async throws {
        try await steer(name, paused: false)
    }

    /// Limits how many of a queue's tasks are leased at once across every cluster together
    /// (running, claimed ahead of a free worker, or having their outcome written), enforced by
    /// the database at each claim; nil removes the limit. 0 lets none start.
    public func limitQueue(_ name: String, running limit: Int?) async throws {
        if let limit, limit < 0 {
            throw BatonError(code: .invalidArgument, message: "a queue's running limit is 0 or more, not \(limit)")
        }
        try await steer(name, limit: limit, clearLimit: limit == nil)
    }

    /// Every queue that has work, a setting, or a live cluster serving it, by name.
    public func queues() async throws -> [QueueStatus] {
        try await query(QueueSQL.status).map(QueueStatus.init(row:))
    }

    /// How many tasks of `queue` are queued and due. django-q's `queue_size` for one queue.
    public func queueSize(_ queue: String) async throws -> Int {
        try QueueName.check(queue)
        return try await query(QueueSQL.size, queue)[0].decode("count")
    }

    private func steer(_ name: String, paused: Bool? = nil, limit: Int? = nil, clearLimit: Bool = false) async throws {
        try QueueName.check(name)
        _ = try await invalidInputAsBatonError { try await query(QueueSQL.steer, name, paused, limit, clearLimit) }
    }
}
