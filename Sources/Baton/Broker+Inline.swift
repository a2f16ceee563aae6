import Foundation
import LibPQ

/// `sync: true`: the task, or the chain link after link, runs in the calling process.
///
/// No cluster can claim such work: each task is leased to this process in the transaction
/// that enqueues it, a retry and the next link in the transaction that records the attempt
/// before (`baton.complete_tasks` leases the next link to its owner when it names the
/// link's function). Should this process die, the lease runs out after `inlineLease` and
/// the rescuer queues the task for a cluster.
extension Broker {
    /// How long a task run inline is leased to the caller.
    static let inlineLease = Duration.seconds(3600)

    /// The lease owner of inline runs, the `worker` of their results.
    static var inlineOwner: String { WorkerIdentity.current.name + ":sync" }

    /// Enqueues with `insert` and leases the task it wrote to this process, in one transaction.
    func enqueueInline(_ hold: String, _ insert: @Sendable (Transaction) async throws -> any SQLEncodable) async throws -> InlineTask {
        try await pool.transaction { tx in
            let key = try await insert(tx)
            guard let row = try await tx.query(hold, [key, Self.inlineOwner, Self.inlineLease.postgresInterval]).first else {
                throw BatonError(code: .invalidArgument, message: "the task to run inline was not found after enqueueing it")
            }
            return try InlineTask(row: row)
        }
    }

    /// Runs `first`, its retries and, for a chain link, the links after it, recording each
    /// outcome as a worker would, and calling each finished task's hook.
    func runInline(_ first: InlineTask) async throws {
        let owner = Self.inlineOwner
        try await pool.withConnection { connection in
            // A chain's functions and queues, so that each next link is leased to this process too.
            var (functions, queues): ([String], [String]) = ([], [])
            if let group = first.task.groupID {
                let row = try await connection.query(InlineSQL.chainFunctions, group)[0]
                (functions, queues) = (try row.decode("functions"), try row.decode("queues"))
            }
            var next: InlineTask? = first
            while let current = next {
                // A failed attempt with attempts left waits for its backoff, here too.
                let due = current.runAt.timeIntervalSinceNow
                if due > 0 { try await Task.sleep(for: .milliseconds(Int(due * 1000) + 1)) }
                signals.willExecute(current.task)
                let outcome = await traceAttempt(of: current.task, outcome: { $0 }) {
                    await registry.execute(current.task)
                }
                signals.didExecute(current.task, outcome)
                let (following, hooked) = try await connection.transaction { tx -> (InlineTask?, [HookCall]) in
                    let batch = try await worker.complete(
                        [(current.task, outcome)], owner: owner, functions: functions, queues: queues,
                        lease: Self.inlineLease, on: tx)
                    if let link = batch.next.first { return (InlineTask(task: link, runAt: .now), batch.hooked) }
                    guard !outcome.isSuccess else { return (nil, batch.hooked) }
                    // Queued again for a retry: leased back to this process before anyone sees it.
                    return (try await tx.query(
                        InlineSQL.holdRetry, [current.task.id, owner, Self.inlineLease.postgresInterval]
                    ).first.map(InlineTask.init(row:)), batch.hooked)
                }
                // Once recorded, as a cluster calls it.
                await registry.callHooks(hooked, logger: logger)
                next = following
            }
        }
    }
}

/// A task leased to the caller to run inline, and when it is due.
struct InlineTask: Sendable {
    let task: ClaimedTask
    let runAt: Date

    init(task: ClaimedTask, runAt: Date) {
        (self.task, self.runAt) = (task, runAt)
    }

    init(row: Row) throws {
        task = try ClaimedTask(row: row)
        runAt = try row.decode("run_at")
    }
}
