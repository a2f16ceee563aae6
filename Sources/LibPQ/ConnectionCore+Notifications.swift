import CLibPQ
import Foundation

/// One listen scope on a connection: its channels and where its notifications go.
struct NotificationSubscriber {
    let channels: Set<String>
    let continuation: AsyncThrowingStream<PostgresNotification, any Error>.Continuation
}

extension ConnectionCore {
    /// LISTENs on the channels not yet listened to, then delivers their notifications.
    func subscribe(
        _ channels: Set<String>,
        continuation: AsyncThrowingStream<PostgresNotification, any Error>.Continuation
    ) throws -> UInt64 {
        let listening = listenedChannels
        for channel in channels.subtracting(listening).sorted() {
            _ = try run(.script("LISTEN \(quoteIdentifier(channel))"))
        }
        nextSubscriberID += 1
        subscribers[nextSubscriberID] = NotificationSubscriber(channels: channels, continuation: continuation)
        return nextSubscriberID
    }

    /// Ends a listen scope, UNLISTENing the channels no other scope uses.
    func unsubscribe(_ id: UInt64) {
        guard let subscriber = subscribers.removeValue(forKey: id) else { return }
        subscriber.continuation.finish()
        for channel in subscriber.channels.subtracting(listenedChannels).sorted() {
            _ = try? run(.script("UNLISTEN \(quoteIdentifier(channel))"))
        }
    }

    private var listenedChannels: Set<String> {
        subscribers.values.reduce(into: Set<String>()) { $0.formUnion($1.channels) }
    }

    /// Reads what the server sent while idle and delivers its notifications.
    func readNotifications() {
        guard let handle else { return }
        if PQconsumeInput(handle.pointer) == 0 {
            updateSnapshot()
            let message = configuration.redact(handle.errorMessage)
            connectionBroke(PostgresError(code: .connectionLost, message: message))
            return
        }
        deliverNotifications()
    }

    /// Hands every notification libpq has collected to the scopes listening on its channel.
    func deliverNotifications() {
        guard let handle else { return }
        while let notify = PQnotifies(handle.pointer) {
            let notification = PostgresNotification(
                channel: String(cString: notify.pointee.relname),
                payload: String(cString: notify.pointee.extra),
                senderPID: notify.pointee.be_pid
            )
            PQfreemem(notify)
            for subscriber in subscribers.values where subscriber.channels.contains(notification.channel) {
                subscriber.continuation.yield(notification)
            }
        }
    }

    /// Ends every listen scope's sequence with the error that broke the connection.
    func connectionBroke(_ error: PostgresError) {
        finishSubscribers(throwing: error)
    }

    func finishSubscribers(throwing error: PostgresError) {
        for subscriber in subscribers.values { subscriber.continuation.finish(throwing: error) }
        subscribers = [:]
    }
}

/// A channel name as a quoted identifier: any text is safe inside it.
func quoteIdentifier(_ name: String) -> String {
    "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}
