/// What a task function throws to fail with a message of its own.
public struct TaskFailure: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
