import Baton
import Foundation
import Synchronization

/// The tasks this cluster's workers run now, each with the shift it runs in: the cluster's
/// side of cancellation (`Broker.cancel`).
final class RunningTasks: Sendable {
    private let state = Mutex<[UUID: (shift: Shift, cancelled: Bool)]>([:])

    var ids: [UUID] { state.withLock { Array($0.keys) } }

    /// Runs `body` as the work of task `id` in `shift`, which `cancel(_:)` cancels.
    /// - Returns: its outcome, and whether it was cancelled by request (its record is written:
    ///   record nothing, and end the shift, whose Swift task stays cancelled).
    func run(
        _ id: UUID, in shift: Shift, _ body: () async -> (TaskOutcome, abandoned: Bool)
    ) async -> (outcome: (TaskOutcome, abandoned: Bool), cancelled: Bool) {
        state.withLock { $0[id] = (shift, false) }
        let outcome = await body()
        let cancelled = state.withLock { $0.removeValue(forKey: id)?.cancelled ?? false }
        return (outcome, cancelled)
    }

    /// Cancels those of these tasks that run now. A task found here is marked before its shift
    /// is cancelled, so the worker that ran it sees the mark and ends the shift.
    func cancel(_ ids: some Sequence<UUID>) {
        let shifts = state.withLock { state in
            ids.compactMap { id -> Shift? in
                guard let entry = state[id] else { return nil }
                state[id] = (entry.shift, true)
                return entry.shift
            }
        }
        for shift in shifts { shift.cancel() }
    }
}

/// A worker's run of tasks in one Swift task of their own, until one of them is cancelled
/// by request: Swift cancellation cannot be undone, so the worker then starts another shift.
/// The tasks run in the shift's task itself, not each in a child task: a child task per task
/// cost a hop between threads each, which on 2 busy cores took a fifth of the processing
/// rate (and made the measured run times, and so the claims, smaller).
final class Shift: Sendable {
    private let task = Mutex<(handle: Task<Bool, Never>?, cancelled: Bool)>((nil, false))

    /// Runs `body` as the shift's task, cancelled with the caller or by `cancel()`.
    /// - Returns: `body`'s answer: whether the worker goes on with another shift.
    func run(_ body: @escaping @Sendable (Shift) async -> Bool) async -> Bool {
        let handle = Task { await body(self) }
        let cancelledBefore = task.withLock { task in
            task.handle = handle
            return task.cancelled
        }
        if cancelledBefore { handle.cancel() }
        return await withTaskCancellationHandler { await handle.value } onCancel: { handle.cancel() }
    }

    func cancel() {
        let handle = task.withLock { task in
            task.cancelled = true
            return task.handle
        }
        handle?.cancel()
    }
}
