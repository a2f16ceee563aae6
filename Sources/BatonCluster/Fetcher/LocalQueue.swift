import Baton
import Foundation
import Synchronization

/// The tasks a cluster holds and has not started, in the order they will start, and the
/// workers waiting for one. The fetcher adds claimed tasks at the back; the completer adds
/// next chain links at the front, so that a chain moves on before new work starts.
final class LocalQueue: Sendable {
    private struct State {
        var tasks: [ClaimedTask] = []
        var head = 0
        var idle: [Signal] = []
        var stopped = false

        var count: Int { tasks.count - head }

        mutating func popFirst() -> ClaimedTask? {
            guard head < tasks.count else { return nil }
            defer {
                head += 1
                if head > 1024, head * 2 > tasks.count {
                    tasks.removeFirst(head)
                    head = 0
                }
            }
            return tasks[head]
        }
    }

    private let state = Mutex(State())

    /// Tasks waiting to start.
    var count: Int { state.withLock { $0.count } }

    /// Adds tasks (at the front when `first`) and wakes as many idle workers.
    func push(_ tasks: [ClaimedTask], first: Bool = false) {
        guard !tasks.isEmpty else { return }
        let woken = state.withLock { state -> [Signal] in
            if first {
                state.tasks.replaceSubrange(state.head..<state.head, with: tasks)
            } else {
                state.tasks.append(contentsOf: tasks)
            }
            let woken = Array(state.idle.prefix(tasks.count))
            state.idle.removeFirst(woken.count)
            return woken
        }
        for signal in woken { signal.fire() }
    }

    /// The next task for a worker, waiting for one; nil once the queue is stopped or the
    /// worker's task is cancelled.
    func next(for worker: Signal) async -> ClaimedTask? {
        while true {
            let task: ClaimedTask?? = state.withLock { state in
                if state.stopped { return .some(nil) }
                if let task = state.popFirst() { return task }
                if !state.idle.contains(where: { $0 === worker }) { state.idle.append(worker) }
                return nil
            }
            if let task { return task }
            _ = await worker.wait(until: nil)
            if Task.isCancelled {
                state.withLock { $0.idle.removeAll { $0 === worker } }
                return nil
            }
        }
    }

    /// The ids of the tasks waiting to start.
    var ids: [UUID] { state.withLock { state in state.tasks[state.head...].map(\.id) } }

    /// Takes these tasks out (cancelled before they started); returns the ones it held.
    func remove(_ ids: Set<UUID>) -> [ClaimedTask] {
        state.withLock { state in
            let waiting = state.tasks[state.head...]
            let removed = waiting.filter { ids.contains($0.id) }
            guard !removed.isEmpty else { return [] }
            state.tasks = waiting.filter { !ids.contains($0.id) }
            state.head = 0
            return removed
        }
    }

    /// Lets no worker start another task; wakes the idle ones to leave.
    func stop() {
        let idle = state.withLock { state in
            state.stopped = true
            defer { state.idle = [] }
            return state.idle
        }
        for signal in idle { signal.fire() }
    }

    /// Empties the queue: the tasks that were never started.
    func removeAll() -> [ClaimedTask] {
        state.withLock { state in
            defer {
                state.tasks = []
                state.head = 0
            }
            return Array(state.tasks[state.head...])
        }
    }
}
