import Foundation
import LibPQ

/// Many tasks per transaction: what a busy cluster does instead of one call per task.
extension WorkerCalls {
    /// Records a batch of outcomes in one transaction (`baton.complete_tasks`): retries
    /// failures with attempts left, records the rest, removes them from the queue and moves
    /// their chains on. A next chain link whose function is in `functions` and whose queue is
    /// in `queues` (neither paused nor limited) is leased to `owner` at once and returned, so
    /// that it runs without another claim.
    ///
    /// The batch's events (`done`, `released`) are not sent in its transaction, whose commit
    /// would then wait on NOTIFY's lock behind every other notifying commit: they come back
    /// in `events`, for the caller to `announce` once the batch has committed.
    ///
    /// Safe to repeat after a lost reply: a task `owner` no longer holds is reported in
    /// `lost` and left alone, so nothing is recorded twice. A finished task with a hook comes
    /// back in `hooked`, its record as written, for the caller to call the hook with once
    /// the transaction commits.
    package func complete(
        _ outcomes: [(task: ClaimedTask, outcome: TaskOutcome)], owner: String, functions: [String],
        queues: [String] = [QueueName.default], lease: Duration, on connection: some Queryable
    ) async throws -> CompletedBatch {
        guard !outcomes.isEmpty else { return CompletedBatch() }
        var json = "["
        for (index, (task, outcome)) in outcomes.enumerated() {
            if index > 0 { json += "," }
            json += #"{"id":""# + task.id.lowercasedText + #"","#
            switch outcome {
            case .success(let value): json += #""ok":true,"result":"# + (try Broker.storable(value)) + "}"
            case .failure(let message): json += #""ok":false,"error":"# + (try JSONValue.string(message).jsonText()) + "}"
            case .snooze(let delay): json += #""snooze":"# + String(delay.seconds) + "}"
            }
        }
        json += "]"
        let rows = try await connection.query(
            BatchSQL.complete, [owner, json, functions, lease.postgresInterval, queues])
        var batch = CompletedBatch()
        let hooks = Dictionary(outcomes.compactMap { item in item.task.hook.map { (item.task.id, $0) } }) { a, _ in a }
        for row in rows {
            if let events = try row.decode("events", as: String?.self) {
                batch.events = events
            } else if let lost = try row.decode("lost", as: UUID?.self) {
                batch.lost.append(lost)
            } else if let id = try row.decode("hooked_id", as: UUID?.self) {
                guard let hook = hooks[id] else { continue }
                batch.hooked.append(HookCall(hook: hook, record: try TaskRecord(row: row, prefix: "hooked_")))
            } else {
                batch.next.append(try ClaimedTask(row: row))
            }
        }
        return batch
    }

    /// Sends a completed batch's events on channel `baton`, in a transaction of their own
    /// that does not wait for the disk: it holds NOTIFY's lock only while it commits.
    package func announce(_ events: String, on connection: Connection) async throws {
        _ = try await connection.query(BatchSQL.announce, [events])
    }

    /// Hands leased tasks back to the queue unrun (their cluster is stopping), in one
    /// transaction with one NOTIFY.
    /// - Returns: how many `owner` still held.
    @discardableResult
    package func release(_ tasks: [ClaimedTask], owner: String, on connection: Connection) async throws -> Int {
        guard !tasks.isEmpty else { return 0 }
        return try await connection.query(BatchSQL.release, [tasks.map(\.id), owner])[0].decode(0)
    }
}

/// What recording a batch of outcomes did.
package struct CompletedBatch: Sendable {
    /// Tasks whose lease the owner had lost: nothing was recorded for them.
    package var lost: [UUID]
    /// Next chain links leased to the owner: run them next.
    package var next: [ClaimedTask]
    /// The finished tasks that have a hook (`ClaimedTask.hook`), each with its record
    /// (saved or not): call them once the transaction has committed.
    package var hooked: [HookCall]
    /// The NOTIFY payload of the batch's events, not sent yet: `WorkerCalls.announce` sends it.
    package var events: String?

    package init(lost: [UUID] = [], next: [ClaimedTask] = [], hooked: [HookCall] = [], events: String? = nil) {
        (self.lost, self.next, self.hooked, self.events) = (lost, next, hooked, events)
    }
}

/// A hook to call, with the record of the task that named it.
package struct HookCall: Sendable {
    package let hook: String
    package let record: TaskRecord
}
