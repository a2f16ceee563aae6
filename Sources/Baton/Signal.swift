import Synchronization

/// A wake-up call for one waiter: fired any number of times, awaited with a deadline.
/// Firing while nobody waits is remembered, so a wake-up is never lost.
public final class Signal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Bool, Never>?
        /// Numbers each wait, so a late timer cannot end a later wait.
        var generation = 0
        /// A wait ended (timer, cancellation) before its continuation was installed.
        var endedEarly: Int?
    }

    private let state = Mutex(State())

    public init() {}

    public func fire() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: true)
    }

    /// Waits until fired or until the deadline (nil: no deadline); true when fired.
    public func wait(until deadline: ContinuousClock.Instant?) async -> Bool {
        let generation: Int? = state.withLock { state in
            if state.pending {
                state.pending = false
                return nil
            }
            state.generation += 1
            return state.generation
        }
        guard let generation else { return true }
        let timer = deadline.map { deadline in
            Task { [self] in
                try? await Task.sleep(until: deadline, clock: .continuous)
                end(generation)
            }
        }
        defer { timer?.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let early: Bool? = state.withLock { state in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    if state.endedEarly == generation { return false }
                    state.waiter = continuation
                    return nil
                }
                if let early { continuation.resume(returning: early) }
            }
        } onCancel: {
            end(generation)
        }
    }

    /// Ends wait `generation` unfired (its deadline passed, or its task was cancelled).
    private func end(_ generation: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard state.generation == generation else { return nil }
            guard let waiter = state.waiter else {
                state.endedEarly = generation
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: false)
    }
}
