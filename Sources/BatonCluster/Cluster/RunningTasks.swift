import Baton
import Foundation
import Synchronization

/// The tasks this cluster's workers run now, each with its handle: the cluster's side of
/// cancellation (`Broker.cancel`).
final class RunningTasks: Sendable {
    typealias Work = Task<(TaskOutcome, abandoned: Bool), Never>

    private let state = Mutex<[UUID: (work: Work, cancelled: Bool)]>([:])

    var ids: [UUID] { state.withLock { Array($0.keys) } }

    /// Runs `body` as the work of task `id`, cancelled with the caller or by `cancel(_:)`.
    /// - Returns: its outcome, and whether it was cancelled by request (its record is written: record nothing).
    func run(
        _ id: UUID, _ body: @escaping @Sendable () async -> (TaskOutcome, abandoned: Bool)
    ) async -> (outcome: (TaskOutcome, abandoned: Bool), cancelled: Bool) {
        let work = Work { await body() }
        state.withLock { $0[id] = (work, false) }
        let outcome = await withTaskCancellationHandler { await work.value } onCancel: { work.cancel() }
        let cancelled = state.withLock { $0.removeValue(forKey: id)?.cancelled ?? false }
        return (outcome, cancelled)
    }

    /// Cancels those of these tasks that run now.
    func cancel(_ ids: some Sequence<UUID>) {
        let works = state.withLock { state in
            ids.compactMap { id -> Work? in
                guard let entry = state[id] else { return nil }
                state[id] = (entry.work, true)
                return entry.work
            }
        }
        for work in works { work.cancel() }
    }
}
