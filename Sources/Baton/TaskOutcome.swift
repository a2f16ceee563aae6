/// How a task ended.
public enum TaskOutcome: Sendable, Equatable {
    case success(JSONValue)
    case failure(String)
    /// It asked to run again after this long (`TaskSnooze`): neither a success nor a failure.
    case snooze(Duration)
}

extension TaskOutcome {
    /// Whether the task succeeded.
    public var isSuccess: Bool {
        if case .success = self { true } else { false }
    }
}
