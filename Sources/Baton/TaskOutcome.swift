/// How a task ended.
public enum TaskOutcome: Sendable, Equatable {
    case success(JSONValue)
    case failure(String)
}

extension TaskOutcome {
    /// Whether the task succeeded.
    public var isSuccess: Bool {
        if case .success = self { true } else { false }
    }
}
