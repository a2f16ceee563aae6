import Baton

extension Broker {
    /// Lends `body` a pooled connection for the cluster's own statements, each of which must
    /// be answered within `limit` (`Connection.answerLimit`). A connection a network dropped
    /// without a word is given up then, rather than when TCP gives up minutes later, and the
    /// retry, the next beat or the next claim goes out on another. Every one of these
    /// statements is safe to send again; a task's own statements never run under the limit.
    func withConnection<R: Sendable>(
        answeringWithin limit: Duration, _ body: @Sendable (Connection) async throws -> R
    ) async throws -> R {
        try await Connection.$answerLimit.withValue(limit) {
            try await pool.withConnection { connection in try await body(connection) }
        }
    }
}
