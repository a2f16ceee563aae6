import Baton
import Testing

@Suite struct TaskRegistryTests {
    func run(_ name: String, _ args: JSONValue...) async throws -> JSONValue {
        try await TaskRegistry.stock.run(name, args: args, kwargs: [:])
    }

    @Test func stockFunctionsHavePythonsSemantics() async throws {
        #expect(try await run("math.copysign", 1, -1) == .double(-1.0))
        #expect(try await run("math.floor", 1) == .int(1))
        #expect(try await run("math.floor", -1.5) == .int(-2))
        #expect(try await run("math.ceil", 1.2) == .int(2))
        #expect(try await run("math.sqrt", 16) == .double(4))
        #expect(try await run("math.pow", 2, 0.5) == .double(2.0.squareRoot()))
        #expect(try await run("math.fabs", -3) == .double(3))
        #expect(try await run("math.fsum", [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]) == .double(1.0))
        #expect(try await run("math.fsum", [1e100, 1.0, -1e100, 1.0]) == .double(2.0))
        #expect(try await run("baton.echo", 1, "a") == [1, "a"])
        #expect(try await TaskRegistry.stock.run("baton.echo", args: [1], kwargs: ["k": true]) == ["args": [1], "kwargs": ["k": true]])
        #expect(try await run("baton.sleep", 1) == 1)
    }

    @Test func stockFunctionsFailLikePython() async throws {
        await #expect(throws: TaskFailure.self) { try await run("math.sqrt", -1) }
        await #expect(throws: TaskFailure.self) { try await run("math.pow", 10, 400) }
        let failure = await #expect(throws: TaskFailure.self) { try await run("baton.fail", "on purpose") }
        #expect(failure?.message == "on purpose")
    }

    @Test func registeringANameTwiceIsAnError() throws {
        var registry = TaskRegistry()
        try registry.register("mail.send") { (to: String) in to }
        let error = try #require(throws: BatonError.self) { try registry.register("mail.send") { (to: String) in to } }
        #expect(error.message.contains("already registered"))
        #expect(throws: BatonError.self) { try registry.register("") { (to: String) in to } }
    }

    @Test func anUnknownNameListsWhatIsRegistered() async throws {
        var registry = TaskRegistry()
        try registry.register("mail.send") { (to: String) in to }
        let error = await #expect(throws: BatonError.self) { try await registry.run("mail.sendd", args: [], kwargs: [:]) }
        #expect(error?.code == .unknownFunction)
        #expect(error?.message == #"no task function named "mail.sendd" is registered on this worker (registered: mail.send)"#)
        #expect(error?.function == "mail.sendd")
        #expect(error?.context.hasSuffix("; function mail.sendd") == true)
    }

    @Test func argumentsAreCheckedByCountTypeAndName() async throws {
        var registry = TaskRegistry()
        try registry.register("greet") { arguments in
            let name: String = try arguments.decode(at: 0, name: "name")
            let times: Int = try arguments.decode(at: 1, name: "times")
            return .string(String(repeating: name, count: times))
        }
        #expect(try await registry.run("greet", args: ["a"], kwargs: ["times": 3]) == "aaa")
        let missing = await #expect(throws: BatonError.self) { try await registry.run("greet", args: ["a"], kwargs: [:]) }
        #expect(missing?.message == "greet: argument 1 (times) is missing")
        #expect(missing?.function == "greet")
        let wrong = await #expect(throws: BatonError.self) { try await TaskRegistry.stock.run("math.floor", args: ["x"], kwargs: [:]) }
        #expect(wrong?.code == .badArguments)
        #expect(wrong?.message.contains("argument 0") == true)
    }
}
