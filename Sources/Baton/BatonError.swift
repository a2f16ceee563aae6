import Foundation

/// The one error type of Baton: a stable code, a message that says what to do, and context.
public struct BatonError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// An applied migration's file changed since it was applied.
        public static let migrationChanged = Code("migration_changed")
        /// A call's argument cannot be used: a value JSON cannot hold, a malformed chain.
        public static let invalidArgument = Code("invalid_argument")
        /// No task function of that name is registered.
        public static let unknownFunction = Code("unknown_function")
        /// A task's arguments do not fit its function: wrong count or type.
        public static let badArguments = Code("bad_arguments")
        /// A task function threw, or was stopped.
        public static let taskFailed = Code("task_failed")
        /// A task ignored the cancellation of its timeout: its worker slot is lost, and the
        /// cluster stopped so that its supervisor can start a fresh process.
        public static let clusterWedged = Code("cluster_wedged")
        /// A setting (an environment variable, an option) has a value that cannot be used.
        public static let invalidConfiguration = Code("invalid_configuration")
    }

    public var code: Code
    public var message: String
    /// The task the error is about, when there is one.
    public var task: UUID?
    /// The task function or hook the error is about, when there is one.
    public var function: String?
    /// What went wrong underneath: the `PostgresError` a refused statement raised, the
    /// error a task function threw.
    public var underlying: (any Error)?

    public init(code: Code, message: String, task: UUID? = nil, function: String? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.task = task
        self.function = function
        self.underlying = underlying
    }

    /// The message (it names what the error is about); `context` adds the fields.
    public var description: String { message }

    /// The message with the task and function it is about, for logs: `...; task 0190..., function mail.send`.
    public var context: String {
        let parts = [task.map { "task \($0.lowercasedText)" }, function.map { "function \($0)" }].compactMap { $0 }
        return parts.isEmpty ? message : message + "; " + parts.joined(separator: ", ")
    }
}
