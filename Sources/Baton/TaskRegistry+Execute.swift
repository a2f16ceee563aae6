extension TaskRegistry {
    /// Runs a claimed task; whatever it throws becomes a failure with a message.
    public func execute(_ task: ClaimedTask) async -> TaskOutcome {
        if let unreadable = task.unreadable { return .failure(unreadable) }
        do {
            return .success(try await run(task.function, args: task.args, kwargs: task.kwargs))
        } catch let error as BatonError {
            return .failure(error.message)
        } catch let error as TaskFailure {
            return .failure(error.message)
        } catch let snooze as TaskSnooze {
            return .snooze(snooze.delay)
        } catch is CancellationError {
            return .failure("\(task.function): cancelled")
        } catch {
            return .failure("\(task.function): \(error)")
        }
    }
}
