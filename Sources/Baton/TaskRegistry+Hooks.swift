import Logging

/// A hook: called with a finished task's record once its outcome is recorded. django-q's
/// `hook`. What it throws is logged; the task's outcome stands.
public typealias TaskHook = @Sendable (TaskRecord) async throws -> Void

extension TaskRegistry {
    /// Registers a hook, which tasks name with `hook:` (`"hook": ...` in SQL and JSON).
    /// Hooks have names of their own, apart from the functions'. The cluster that ran a task
    /// calls its hook, so register hooks where the task functions are.
    /// - Throws: `BatonError.invalidArgument` when the name is empty or taken.
    public mutating func registerHook(_ name: String, _ hook: @escaping TaskHook) throws {
        guard !name.isEmpty else {
            throw BatonError(code: .invalidArgument, message: "a hook needs a name")
        }
        guard hooks[name] == nil else {
            throw BatonError(code: .invalidArgument, message: "a hook named \"\(name)\" is already registered")
        }
        hooks[name] = hook
    }

    /// The registered hooks' names, sorted.
    public var hookNames: [String] { hooks.keys.sorted() }

    /// Calls the hook named `name` with `record`.
    /// - Throws: what the hook throws; `BatonError.unknownFunction` when no hook has that name.
    public func callHook(_ name: String, with record: TaskRecord) async throws {
        guard let hook = hooks[name] else {
            throw BatonError(
                code: .unknownFunction,
                message: "no hook named \"\(name)\" is registered here (registered: \(hookNames.joined(separator: ", ")))",
                function: name)
        }
        try await hook(record)
    }
}

extension TaskRegistry {
    /// Calls hooks one after another. A hook that throws, or that is not registered here,
    /// is logged as an error; nothing else happens to its task.
    package func callHooks(_ calls: [HookCall], logger: Logger) async {
        for call in calls {
            do {
                try await callHook(call.hook, with: call.record)
            } catch {
                logger.error("a task's hook failed; the task's outcome stands", metadata: [
                    "task": "\(call.record.id.lowercasedText)", "function": "\(call.record.function)",
                    "hook": "\(call.hook)", "error": "\((error as? BatonError)?.message ?? "\(error)")",
                ])
            }
        }
    }
}
