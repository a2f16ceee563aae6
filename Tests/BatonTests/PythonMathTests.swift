import Baton
import Testing

/// The stock math functions against what Python 3's math module gives for the same call
/// (the expected values and errors were taken from CPython 3.11).
@Suite struct PythonMathTests {
    func run(_ name: String, _ json: String) async throws -> JSONValue {
        guard case .array(let args) = try JSONValue.parse(json) else { throw TaskFailure("not an array: \(json)") }
        return try await TaskRegistry.stock.run(name, args: args, kwargs: [:])
    }

    func failure(_ name: String, _ json: String) async -> String? {
        do {
            _ = try await run(name, json)
            return nil
        } catch let failure as TaskFailure {
            return failure.message
        } catch let error as BatonError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func powRaisesWherePythonRaises() async throws {
        #expect(await failure("math.pow", "[10, 400]") == "math.pow: OverflowError: math range error")
        #expect(await failure("math.pow", "[-1, 0.5]") == "math.pow: ValueError: math domain error")
        #expect(await failure("math.pow", "[0, -1]") == "math.pow: ValueError: math domain error")
        #expect(try await run("math.pow", "[2, 10]") == .double(1024))
        #expect(try await run("math.pow", "[true, 2]") == .double(1))
    }

    @Test func fsumOverflowsAsPythonDoes() async throws {
        #expect(await failure("math.fsum", "[[1e308, 1e308]]") == "math.fsum: OverflowError: intermediate overflow in fsum")
        #expect(try await run("math.fsum", "[[1e308, -1e308, 1.5]]") == .double(1.5))
        #expect(try await run("math.fsum", "[[]]") == .double(0))
        #expect(try await run("math.fsum", "[[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]]") == .double(1))
        #expect(await failure("math.fsum", "[1]") == "math.fsum: argument 0: TypeError: 'int' object is not iterable")
    }

    @Test func floorAndCeilOfIntegersAndBooleans() async throws {
        #expect(try await run("math.floor", "[true]") == .int(1))
        #expect(try await run("math.ceil", "[false]") == .int(0))
        #expect(try await run("math.floor", "[4611686018427387905]") == .int(4_611_686_018_427_387_905), "exact, not through a double")
        #expect(try await run("math.floor", "[-1.5]") == .int(-2))
        // The one documented difference: beyond 64 bits the value is a double, returned whole as a float.
        #expect(try await run("math.floor", "[123456789012345678901234567890]") == .double(123456789012345678901234567890.0))
        #expect(try await run("math.floor", "[1e300]") == .double(1e300))
        #expect(await failure("math.floor", #"["x"]"#) == "math.floor: argument 0: TypeError: must be real number, not str")
        #expect(await failure("math.ceil", "[null]") == "math.ceil: argument 0: TypeError: must be real number, not NoneType")
    }

    @Test func sqrtFabsAndCopysign() async throws {
        #expect(await failure("math.sqrt", "[-1]") == "math.sqrt: ValueError: math domain error")
        #expect(try await run("math.sqrt", "[true]") == .double(1))
        #expect(try await run("math.fabs", "[true]") == .double(1))
        #expect(try await run("math.copysign", "[1, -0.0]") == .double(-1))
        #expect(await failure("math.copysign", #"[1, "-1"]"#) == "math.copysign: argument 1: TypeError: must be real number, not str")
    }
}
