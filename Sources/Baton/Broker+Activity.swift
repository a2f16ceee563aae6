extension Broker {
    /// A signal fired on every event of the queue this process hears (work queued, tasks
    /// finished or cancelled, chain links released), for a view that shows the queue live, as
    /// the dashboard does; `cancel()` ends it. Shares the process's one listening connection;
    /// a broker that polls fires it at each poll instead.
    public func activity() async throws -> ActivitySubscription {
        let hub = self.hub
        let (token, signal) = try await hub.subscribe(wantsEverything: true)
        return ActivitySubscription(signal: signal, hub: hub, token: token)
    }
}

/// A live view's subscription to the queue's events (`Broker.activity()`).
public struct ActivitySubscription: Sendable {
    /// Fired on each event; events while nobody waits are remembered as one.
    public let signal: Signal
    let hub: NotificationHub
    let token: Int

    /// Wants no events for now, as a page waiting out the time between two refreshes. While
    /// every subscriber of the process is paused, its listening connection stops listening at
    /// the next notification, so that the process takes none of the queue's notifications in
    /// the meantime; a result waiter or a worker in the same process keeps it listening.
    public func pause() {
        hub.pause(token)
    }

    /// Wants events again; returns once the process listens. The signal fires if anything
    /// may have happened meanwhile (always, when the connection had stopped listening).
    public func resume() async {
        await hub.resume(token)
    }

    /// Ends the subscription.
    public func cancel() {
        hub.unsubscribe(token)
    }
}
