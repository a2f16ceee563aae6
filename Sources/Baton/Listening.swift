import LibPQ

/// How a process learns that work was queued or finished: LISTEN on a connection of its
/// own, or, where LISTEN cannot work (through a pooler in transaction mode, which hands each
/// transaction another server connection), by looking every `interval`.
public enum Listening: Sendable {
    /// LISTEN on a direct connection to this database.
    case direct(ConnectionConfiguration)
    /// No LISTEN: waiters and idle workers look again every `interval`.
    case polling(every: Duration)

    /// How often a process that cannot LISTEN looks: a waiter's result or new work is seen
    /// within this.
    public static let pollingInterval = Duration.seconds(1)
}
