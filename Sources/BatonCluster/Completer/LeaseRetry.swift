import Baton
import Foundation
import Logging

/// Retries a write about leased tasks through dropped connections (a restarting database),
/// deadlocks and serialisation failures until it works or their lease would have run out;
/// then the tasks run again elsewhere.
struct LeaseRetry {
    let lease: Duration
    let logger: Logger
    let tasks: [UUID]

    /// Runs `write` until it succeeds. A failure worth retrying is retried with backoff; any
    /// other error is returned at once, as is the last failure when the lease runs out.
    func run<T: Sendable>(_ write: @escaping @Sendable () async throws -> T) async -> Result<T, any Error> {
        let (lease, logger, tasks) = (self.lease, self.logger, self.tasks)
        // Detached: writing an outcome is not cancelled with the cluster.
        return await Task.detached {
            let deadline = ContinuousClock.now + lease
            var delay = Duration.milliseconds(50)
            while true {
                do {
                    return .success(try await write())
                } catch {
                    guard LeaseRetry.isWorthRetrying(error), ContinuousClock.now + delay < deadline else {
                        logger.error("could not write to the database about tasks; their leases will expire and they will run again",
                                     metadata: ["tasks": "\(LeaseRetry.list(tasks))", "error": "\(error)"])
                        return .failure(error)
                    }
                    logger.warning("writing to the database about tasks failed; retrying", metadata: [
                        "tasks": "\(LeaseRetry.list(tasks))", "error": "\(error)",
                    ])
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(2))
                }
            }
        }.value
    }

    /// The ids for a log line; made only when one is logged.
    static func list(_ tasks: [UUID]) -> String {
        tasks.map(\.lowercasedText).joined(separator: ",")
    }

    /// Whether trying again later may work: the server was unreachable, or the transaction
    /// lost a deadlock or a serialisation conflict.
    static func isWorthRetrying(_ error: any Error) -> Bool {
        guard let error = error as? PostgresError else { return false }
        return error.code.isConnectionFailure || error.code == .deadlockDetected || error.code == .serializationFailure
    }
}
