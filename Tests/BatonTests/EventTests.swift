@testable import Baton
import Testing

/// Notification payloads and the wake-up signal, without a database.
@Suite struct EventTests {
    @Test func payloads() {
        #expect(BatonEvent(payload: "queued") == .queued)
        #expect(BatonEvent(payload: "done 1b4e28ba-2fa1-11d2-883f-0016d3cca427 ") == .done(task: "1b4e28ba-2fa1-11d2-883f-0016d3cca427", group: nil))
        #expect(BatonEvent(payload: "released abc my group with spaces") == .released(task: "abc", group: "my group with spaces"))
        #expect(BatonEvent(payload: "nonsense") == nil)
        #expect(BatonEvent.queued.wakesWorkers)
        #expect(!BatonEvent.done(task: "t", group: "g").wakesWorkers)
        #expect(BatonEvent.done(task: "t", group: "g").ids == ["t", "g"])
    }

    @Test func aBatchPayloadHoldsOneEventPerLine() {
        let events = BatonEvent.events(in: "released a chain one\ndone b \nqueued\nnonsense")
        #expect(events == [.released(task: "a", group: "chain one"), .done(task: "b", group: nil), .queued])
        #expect(BatonEvent.events(in: "all") == [.all])
        #expect(BatonEvent.all.wakesWorkers)
    }

    @Test func whetherAPayloadWakesWorkersAgreesWithItsParsedEvents() {
        let payloads = [
            "queued", "all", "done a g", "released a g", "done a g\ndone b g", "done a g\nreleased b chain",
            "done a\nqueued", "done a\nall\ndone b", "queuedx", "allx", "released", "released_x a",
            "nonsense\ndone a", "", "\n\nqueued\n", "done a g\n",
        ]
        for payload in payloads {
            let parsed = BatonEvent.events(in: payload).contains(where: \.wakesWorkers)
            #expect(BatonEvent.wakeWorkers(payload) == parsed, "payload \(payload.debugDescription)")
        }
    }

    @Test func aSignalFiredBeforeTheWaitIsNotLost() async {
        let signal = Signal()
        signal.fire()
        let fired = await signal.wait(until: .now + .seconds(5))
        #expect(fired)
    }

    @Test func aSignalTimesOut() async {
        let signal = Signal()
        let started = ContinuousClock.now
        let fired = await signal.wait(until: .now + .milliseconds(50))
        #expect(!fired)
        #expect(ContinuousClock.now - started >= .milliseconds(50))
        // An expired deadline ends the wait at once.
        let late = await signal.wait(until: .now - .seconds(1))
        #expect(!late)
    }

    @Test func aSignalWakesAWaiter() async {
        let signal = Signal()
        async let fired = signal.wait(until: nil)
        try? await Task.sleep(for: .milliseconds(20))
        signal.fire()
        #expect(await fired)
    }
}
