import Foundation

/// What a task function throws to fail with a message of its own.
public struct TaskFailure: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

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
        try register("math.copysign") { (x: Double, y: Double) in copysign(x, y) }
        try register("math.floor") { (x: Double) in try pythonInteger(floor(x), "math.floor") }
        try register("math.ceil") { (x: Double) in try pythonInteger(ceil(x), "math.ceil") }
        try register("math.sqrt") { (x: Double) in
            guard x >= 0 else { throw TaskFailure("math.sqrt: math domain error (\(x) is negative)") }
            return x.squareRoot()
        }
        try register("math.pow") { (x: Double, y: Double) in Foundation.pow(x, y) }
        try register("math.fabs") { (x: Double) in Swift.abs(x) }
        try register("math.fsum") { (values: [Double]) in exactSum(values) }
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

/// Python's int(): a whole float as an integer, or an error when it does not fit.
private func pythonInteger(_ value: Double, _ function: String) throws -> Int {
    guard let integer = Int(exactly: value) else {
        throw TaskFailure("\(function): \(value) cannot be converted to an integer")
    }
    return integer
}

/// The sum of floats without rounding error along the way, like Python's math.fsum
/// (Shewchuk's partial sums: each step keeps the exact error of the last addition).
private func exactSum(_ values: [Double]) -> Double {
    var partials: [Double] = []
    for value in values {
        var x = value
        var kept = 0
        for var y in partials {
            if Swift.abs(x) < Swift.abs(y) { swap(&x, &y) }
            let high = x + y
            let low = y - (high - x)
            if low != 0 {
                partials[kept] = low
                kept += 1
            }
            x = high
        }
        partials.removeSubrange(kept...)
        partials.append(x)
    }
    return partials.reduce(0, +)
}
