import Foundation

extension TaskRegistry {
    /// Swift equivalents of the Python functions django-q's chain examples use, with
    /// Python's semantics (`math.floor(1)` is the integer 1, `math.copysign(1, -1)` is
    /// the float -1.0), and `baton.echo`, `baton.sleep`, `baton.fail` for demos and tests.
    public static let stock: TaskRegistry = {
        var registry = TaskRegistry()
        try! registry.registerStockFunctions()
        return registry
    }()

    /// Adds the stock functions to this registry (for workers that run them beside their own).
    public mutating func registerStockFunctions() throws {
        try PythonMath.register(in: &self)
        try register("baton.echo") { arguments in
            arguments.kwargs.isEmpty
                ? .array(arguments.args)
                : .object(["args": .array(arguments.args), "kwargs": .object(arguments.kwargs)])
        }
        try register("baton.sleep") { (milliseconds: Int) in
            try await Task.sleep(for: .milliseconds(milliseconds))
            return milliseconds
        }
        try register("baton.fail") { (message: String) -> JSONValue in throw TaskFailure(message) }
    }
}
