extension Broker {
    /// A signal fired on every event of the queue this process hears (work queued, tasks
    /// finished or cancelled, chain links released), for a view that shows the queue live, as
    /// the dashboard does; `cancel()` ends it. Shares the process's one listening connection;
    /// a broker that polls fires it at each poll instead.
    public func activity() async throws -> WorkSubscription {
        let hub = self.hub
        let (token, signal) = try await hub.subscribe(wantsEverything: true)
        return WorkSubscription(signal: signal, cancel: { [hub] in hub.unsubscribe(token) })
    }
}
