/// A task's arguments as its function receives them: positional `args` and keyword `kwargs`.
public struct TaskArguments: Sendable {
    /// The function's registered name, for error messages.
    public let function: String
    public let args: [JSONValue]
    public let kwargs: [String: JSONValue]

    public init(function: String, args: [JSONValue] = [], kwargs: [String: JSONValue] = [:]) {
        self.function = function
        self.args = args
        self.kwargs = kwargs
    }

    /// Positional argument `index`, or keyword argument `name` when given and present.
    /// - Throws: `BatonError.badArguments` naming the function and the argument.
    public func decode<T: Decodable>(_ type: T.Type = T.self, at index: Int, name: String? = nil) throws -> T {
        let label = name.map { "argument \(index) (\($0))" } ?? "argument \(index)"
        let value: JSONValue
        if let name, let keyword = kwargs[name] {
            value = keyword
        } else if args.indices.contains(index) {
            value = args[index]
        } else {
            throw BatonError(code: .badArguments, message: "\(function): \(label) is missing", function: function)
        }
        do {
            return try value.decode(T.self)
        } catch {
            throw BatonError(
                code: .badArguments,
                message: "\(function): \(label) is \(value.kind) (\(value)), which does not decode as \(T.self)",
                function: function, underlying: error)
        }
    }

    /// Checks the number of positional arguments and that there are no keyword arguments.
    public func expect(count: Int) throws {
        guard args.count == count else {
            let noun = count == 1 ? "argument" : "arguments"
            throw BatonError(
                code: .badArguments, message: "\(function) takes \(count) \(noun), got \(args.count)", function: function)
        }
        guard kwargs.isEmpty else {
            throw BatonError(
                code: .badArguments,
                message: "\(function) takes no keyword arguments, got \(kwargs.keys.sorted().joined(separator: ", "))")
        }
    }
}
