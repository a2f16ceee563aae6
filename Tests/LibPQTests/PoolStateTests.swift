@testable import LibPQ
import Testing

/// The pool's decisions, without a database.
@Suite struct PoolStateTests {
    @Test func opensUpToTheMaximumThenQueues() {
        var state = PoolState<String>(maxConnections: 2)
        guard case .open = state.lease(waiter: 1), case .open = state.lease(waiter: 2) else {
            Issue.record("the first two callers should open connections")
            return
        }
        guard case .wait = state.lease(waiter: 3) else { Issue.record("the third should wait"); return }
        #expect(state.openCount == 2)
        #expect(state.waiters == [3])
    }

    @Test func releaseServesWaitersFirstComeFirstServed() {
        var state = PoolState<String>(maxConnections: 1)
        _ = state.lease(waiter: 1)
        _ = state.lease(waiter: 2)
        _ = state.lease(waiter: 3)
        guard case .hand("c", to: 2) = state.release("c", reusable: true) else { Issue.record("2 first"); return }
        guard case .hand("c", to: 3) = state.release("c", reusable: true) else { Issue.record("then 3"); return }
        guard case .none = state.release("c", reusable: true) else { Issue.record("then idle"); return }
        guard case .use("c") = state.lease(waiter: 4) else { Issue.record("idle is reused"); return }
    }

    @Test func takingTheIdleOnesFreesTheirSlots() {
        var state = PoolState<String>(maxConnections: 3)
        for waiter in 1...3 { _ = state.lease(waiter: waiter) }
        _ = state.release("a", reusable: true)
        _ = state.release("b", reusable: true)
        #expect(state.takeIdle().sorted() == ["a", "b"])
        #expect(state.openCount == 1 && state.idle.isEmpty)
        guard case .open = state.lease(waiter: 4) else { Issue.record("a freed slot opens a new one"); return }
    }

    @Test func aBrokenConnectionIsReplacedForAWaiter() {
        var state = PoolState<String>(maxConnections: 1)
        _ = state.lease(waiter: 1)
        _ = state.lease(waiter: 2)
        guard case .open(for: 2) = state.release("broken", reusable: false) else { Issue.record("reopen"); return }
        #expect(state.openCount == 1)
        guard case .close("again") = state.release("again", reusable: false) else { Issue.record("close"); return }
        #expect(state.openCount == 0)
    }

    @Test func aFailedOpenFreesItsSlot() {
        var state = PoolState<String>(maxConnections: 1)
        _ = state.lease(waiter: 1)
        _ = state.lease(waiter: 2)
        let next = state.openFailed()
        #expect(next == 2)
        #expect(state.openCount == 1)
        let none = state.openFailed()
        #expect(none == nil)
        #expect(state.openCount == 0)
    }

    @Test func cancelRemovesOnlyWaitingCallers() {
        var state = PoolState<String>(maxConnections: 1)
        _ = state.lease(waiter: 1)
        _ = state.lease(waiter: 2)
        let waiting = state.cancel(waiter: 2)
        let again = state.cancel(waiter: 2)
        let served = state.cancel(waiter: 1)
        #expect(waiting)
        #expect(!again)
        #expect(!served)
        #expect(state.waiters.isEmpty)
    }

    @Test func closingReturnsIdleConnectionsAndWaiters() {
        var state = PoolState<String>(maxConnections: 2)
        _ = state.lease(waiter: 1)
        _ = state.lease(waiter: 2)
        _ = state.release("idle", reusable: true)
        _ = state.lease(waiter: 3)
        _ = state.lease(waiter: 4)
        let (idle, waiters) = state.close()
        #expect(idle.isEmpty)
        #expect(waiters == [4])
        guard case .closed = state.lease(waiter: 5) else { Issue.record("closed"); return }
        guard case .close("late") = state.release("late", reusable: true) else { Issue.record("close late"); return }
    }
}
