/// An idle worker's subscription to new work; `cancel()` ends it.
public struct WorkSubscription: Sendable {
    public let signal: Signal
    public let cancel: @Sendable () -> Void
}
