/// A notification sent by `NOTIFY` or `pg_notify` on a channel this connection listens to.
public struct PostgresNotification: Sendable, Hashable {
    public let channel: String
    public let payload: String
    /// The server process id of the session that sent it.
    public let senderPID: Int32
}

/// The notifications of one listen scope, in the order the server sent them.
///
/// The sequence ends with `.connectionLost` when the connection breaks.
public struct PostgresNotifications: AsyncSequence, Sendable {
    public typealias Element = PostgresNotification
    let stream: AsyncThrowingStream<PostgresNotification, any Error>

    public func makeAsyncIterator() -> AsyncThrowingStream<PostgresNotification, any Error>.AsyncIterator {
        stream.makeAsyncIterator()
    }
}
