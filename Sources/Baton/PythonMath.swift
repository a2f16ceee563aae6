import Foundation

/// The stock `math.*` functions as Python's `math` module computes them: the same values,
/// and the same errors where Python raises (named after Python's exception), so that a
/// chain written for django-q gets the results it got there.
///
/// One difference is left: Baton's JSON numbers are 64-bit integers and doubles, so an
/// integer beyond ±2^63 arrives as the nearest double, and `math.floor`/`math.ceil` of such
/// a value (or of a float beyond 2^63) returns that whole double as a float where Python
/// returns an exact integer.
enum PythonMath {
    static func register(in registry: inout TaskRegistry) throws {
        try registry.register("math.copysign") { arguments in
            try arguments.expect(count: 2)
            return .double(copysign(try real(arguments.args[0], "math.copysign"), try real(arguments.args[1], "math.copysign", argument: 1)))
        }
        try registry.register("math.floor") { arguments in try integral(arguments, "math.floor", Foundation.floor) }
        try registry.register("math.ceil") { arguments in try integral(arguments, "math.ceil", Foundation.ceil) }
        try registry.register("math.sqrt") { arguments in
            try arguments.expect(count: 1)
            let x = try real(arguments.args[0], "math.sqrt")
            guard x >= 0 || x.isNaN else { throw TaskFailure("math.sqrt: ValueError: math domain error") }
            return .double(x.squareRoot())
        }
        try registry.register("math.pow") { arguments in
            try arguments.expect(count: 2)
            return .double(try power(try real(arguments.args[0], "math.pow"), try real(arguments.args[1], "math.pow", argument: 1)))
        }
        try registry.register("math.fabs") { arguments in
            try arguments.expect(count: 1)
            return .double(Swift.abs(try real(arguments.args[0], "math.fabs")))
        }
        try registry.register("math.fsum") { arguments in
            try arguments.expect(count: 1)
            guard case .array(let values) = arguments.args[0] else {
                throw BatonError(code: .badArguments, message:
                    "math.fsum: argument 0: TypeError: '\(typeName(arguments.args[0]))' object is not iterable")
            }
            return .double(try fsum(values.map { try real($0, "math.fsum") }))
        }
    }

    /// Python's float() of an argument: ints, floats, and booleans (True is 1).
    static func real(_ value: JSONValue, _ function: String, argument: Int = 0) throws -> Double {
        switch value {
        case .int(let integer): return Double(integer)
        case .double(let double): return double
        case .bool(let bool): return bool ? 1 : 0
        default: throw notReal(value, function, argument: argument)
        }
    }

    /// Python's TypeError for a value that is not a number, as bad arguments.
    static func notReal(_ value: JSONValue, _ function: String, argument: Int = 0) -> BatonError {
        BatonError(code: .badArguments, message: "\(function): argument \(argument): TypeError: must be real number, not \(typeName(value))")
    }

    /// math.floor and math.ceil: an int (or bool) stays that integer; a float is rounded to one.
    static func integral(_ arguments: TaskArguments, _ function: String, _ round: (Double) -> Double) throws -> JSONValue {
        try arguments.expect(count: 1)
        switch arguments.args[0] {
        case .int(let integer): return .int(integer)
        case .bool(let bool): return .int(bool ? 1 : 0)
        case .double(let double):
            if double.isNaN { throw TaskFailure("\(function): ValueError: cannot convert float NaN to integer") }
            if double.isInfinite { throw TaskFailure("\(function): OverflowError: cannot convert float infinity to integer") }
            let rounded = round(double)
            return Int(exactly: rounded).map(JSONValue.int) ?? .double(rounded)
        case let other: throw notReal(other, function)
        }
    }

    /// math.pow: Python raises where C's pow quietly gives an infinity or NaN from finite input.
    static func power(_ x: Double, _ y: Double) throws -> Double {
        let result = Foundation.pow(x, y)
        guard x.isFinite && y.isFinite else { return result }
        if result.isNaN || (result.isInfinite && x == 0) { throw TaskFailure("math.pow: ValueError: math domain error") }
        if result.isInfinite { throw TaskFailure("math.pow: OverflowError: math range error") }
        return result
    }

    /// math.fsum: the sum without rounding error along the way (Shewchuk's partial sums, as
    /// Python computes it), with Python's handling of infinities, NaN and overflow.
    static func fsum(_ values: [Double]) throws -> Double {
        var partials: [Double] = []
        var special = 0.0, infinities = 0.0
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
            guard x.isFinite else {
                // From finite summands, an overflow; else an infinity or NaN among them.
                if value.isFinite { throw TaskFailure("math.fsum: OverflowError: intermediate overflow in fsum") }
                if value.isInfinite { infinities += value }
                special += value
                partials.removeAll()
                continue
            }
            if x != 0 { partials.append(x) }
        }
        if special != 0 || special.isNaN {
            if infinities.isNaN { throw TaskFailure("math.fsum: ValueError: -inf + inf in fsum") }
            return special
        }
        return roundedSum(partials)
    }

    /// The partials' sum, correctly rounded (half to even) as Python's fsum ends.
    private static func roundedSum(_ partials: [Double]) -> Double {
        var n = partials.count
        guard n > 0 else { return 0 }
        n -= 1
        var high = partials[n], low = 0.0
        while n > 0 {
            let x = high
            n -= 1
            let y = partials[n]
            high = x + y
            low = y - (high - x)
            if low != 0 { break }
        }
        if n > 0 && ((low < 0 && partials[n - 1] < 0) || (low > 0 && partials[n - 1] > 0)) {
            let y = low * 2
            let x = high + y
            if y == x - high { high = x }
        }
        return high
    }

    /// The name of the Python type a JSON value becomes.
    static func typeName(_ value: JSONValue) -> String {
        switch value {
        case .null: "NoneType"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "str"
        case .array: "list"
        case .object: "dict"
        }
    }
}
