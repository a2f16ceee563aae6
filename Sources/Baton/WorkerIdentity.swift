import Foundation

/// Who this process is, in `baton.results.worker` and lease owners: `host:pid`.
public struct WorkerIdentity: Sendable {
    public let name: String

    public static let current = WorkerIdentity(
        name: "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)")
}
