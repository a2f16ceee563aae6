extension Connection {
    /// Listens on the channels for as long as `body` runs, then UNLISTENs.
    ///
    /// Notifications are read as the socket becomes readable, never by polling. Channel
    /// names are sent as quoted identifiers, so any text of 1 to 63 bytes is safe.
    /// - Throws: `.misuse` for an empty or too long channel name.
    public func listen<R>(
        on channels: [String],
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresNotifications) async throws -> sending R
    ) async throws -> sending R {
        for channel in channels {
            guard !channel.isEmpty, channel.utf8.count <= 63 else {
                throw PostgresError.misuse(
                    "a channel name must have 1 to 63 bytes; \"\(channel.prefix(80))\" has \(channel.utf8.count)")
            }
        }
        let (stream, continuation) = AsyncThrowingStream<PostgresNotification, any Error>.makeStream()
        let wanted = Set(channels)
        let id = try await core.perform { core in try core.subscribe(wanted, continuation: continuation) }
        do {
            let value = try await body(PostgresNotifications(stream: stream))
            _ = try? await core.perform(cancellable: false) { core in core.unsubscribe(id) }
            return value
        } catch {
            _ = try? await core.perform(cancellable: false) { core in core.unsubscribe(id) }
            throw error
        }
    }

    /// Listens on one channel for as long as `body` runs.
    public func listen<R>(
        on channel: String,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresNotifications) async throws -> sending R
    ) async throws -> sending R {
        try await listen(on: [channel], body)
    }
}
