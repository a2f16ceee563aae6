import Baton
import Logging
import Synchronization

/// Calls the hooks of the tasks a cluster finished, once their outcomes are committed: one
/// hook at a time, in the order the outcomes were recorded, apart from the workers and the
/// completer, so that a slow hook holds back no task. A cluster that stops calls the hooks
/// still pending before it leaves; one killed before then does not call them (a hook is
/// called at most once).
final class HookCaller: Sendable {
    private struct State {
        var pending: [HookCall] = []
        var caller: Task<Void, Never>?
    }

    private let registry: TaskRegistry
    private let logger: Logger
    private let state = Mutex(State())

    init(registry: TaskRegistry, logger: Logger) {
        (self.registry, self.logger) = (registry, logger)
    }

    /// Queues hooks to call; returns at once.
    func call(_ calls: [HookCall]) {
        guard !calls.isEmpty else { return }
        state.withLock { state in
            state.pending += calls
            guard state.caller == nil else { return }
            // Unstructured: the hooks of recorded tasks are called when the cluster is cancelled too.
            state.caller = Task { await self.callPending() }
        }
    }

    /// Waits until every hook queued so far has been called.
    func drain() async {
        while let caller = state.withLock({ $0.caller }) { await caller.value }
    }

    private func callPending() async {
        while let calls = state.withLock({ state -> [HookCall]? in
            guard !state.pending.isEmpty else {
                state.caller = nil
                return nil
            }
            defer { state.pending.removeAll() }
            return state.pending
        }) {
            await registry.callHooks(calls, logger: logger)
        }
    }
}
