/// A task function: receives its arguments, returns its result as JSON.
public typealias TaskFunction = @Sendable (TaskArguments) async throws -> JSONValue

/// The task functions a process can run, by name (`"math.copysign"`).
///
/// A worker claims only the functions its registry has, so a task whose function is
/// unknown here waits for a worker that has it.
public struct TaskRegistry: Sendable {
    private var functions: [String: TaskFunction] = [:]
    /// The hooks, by name (TaskRegistry+Hooks).
    var hooks: [String: TaskHook] = [:]

    public init() {}

    /// The registered names, sorted.
    public var names: [String] { functions.keys.sorted() }

    /// Registers a function that reads its own arguments.
    /// - Throws: `BatonError.invalidArgument` when the name is empty or taken.
    public mutating func register(_ name: String, _ function: @escaping TaskFunction) throws {
        guard !name.isEmpty else {
            throw BatonError(code: .invalidArgument, message: "a task function needs a name")
        }
        guard functions[name] == nil else {
            throw BatonError(code: .invalidArgument, message: "a task function named \"\(name)\" is already registered")
        }
        functions[name] = function
    }

    /// The function of that name.
    /// - Throws: `BatonError.unknownFunction`, listing what this registry has.
    public func function(named name: String) throws -> TaskFunction {
        guard let function = functions[name] else {
            throw BatonError(
                code: .unknownFunction,
                message: "no task function named \"\(name)\" is registered on this worker "
                    + "(registered: \(names.joined(separator: ", ")))",
                function: name)
        }
        return function
    }

    /// Runs a function with its arguments.
    public func run(_ name: String, args: [JSONValue], kwargs: [String: JSONValue]) async throws -> JSONValue {
        try await function(named: name)(TaskArguments(function: name, args: args, kwargs: kwargs))
    }
}

extension TaskRegistry {
    /// Registers a function of no arguments.
    public mutating func register<R: Encodable & Sendable>(
        _ name: String, _ body: @escaping @Sendable () async throws -> R
    ) throws {
        try register(name) { arguments in
            try arguments.expect(count: 0)
            return try JSONValue(encoding: try await body())
        }
    }

    /// Registers a function of one typed argument: `register("math.floor") { (x: Double) in ... }`.
    public mutating func register<A: Decodable & Sendable, R: Encodable & Sendable>(
        _ name: String, _ body: @escaping @Sendable (A) async throws -> R
    ) throws {
        try register(name) { arguments in
            try arguments.expect(count: 1)
            return try JSONValue(encoding: try await body(arguments.decode(at: 0)))
        }
    }

    /// Registers a function of two typed arguments.
    public mutating func register<A: Decodable & Sendable, B: Decodable & Sendable, R: Encodable & Sendable>(
        _ name: String, _ body: @escaping @Sendable (A, B) async throws -> R
    ) throws {
        try register(name) { arguments in
            try arguments.expect(count: 2)
            return try JSONValue(encoding: try await body(arguments.decode(at: 0), arguments.decode(at: 1)))
        }
    }

    /// Registers a function of three typed arguments.
    public mutating func register<A: Decodable & Sendable, B: Decodable & Sendable, C: Decodable & Sendable, R: Encodable & Sendable>(
        _ name: String, _ body: @escaping @Sendable (A, B, C) async throws -> R
    ) throws {
        try register(name) { arguments in
            try arguments.expect(count: 3)
            return try JSONValue(encoding: try await body(
                arguments.decode(at: 0), arguments.decode(at: 1), arguments.decode(at: 2)))
        }
    }
}
