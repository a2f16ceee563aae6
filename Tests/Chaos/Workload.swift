import Baton
import Foundation
import TestSupport

/// What a chaos run expects of each task it enqueued, to check from the database afterwards.
struct Expectations: Sendable {
    enum Outcome: Sendable {
        /// Succeeds with this result.
        case value(JSONValue)
        /// Fails; its error starts with this.
        case failure(String)
        /// Succeeds or fails (a chain link behind a failing one, say): recorded once either way.
        case recorded
        /// No worker has its function: stays queued, never claimed.
        case neverClaimed
        /// Cancelled a moment after its enqueue: recorded as cancelled, or with this result if it finished first.
        case valueOrCancelled(JSONValue)
    }

    var tasks: [UUID: Outcome] = [:]
    /// Chains: group id → links.
    var chains: [String: Int] = [:]
    /// Tasks of transactions that rolled back: they must never run nor be recorded.
    var rolledBack: [UUID] = []
    /// Tokens of the `test.attempt` tasks that rolled back: they must never start.
    var rolledBackTokens: Set<String> = []
    /// Enqueue calls that failed (the database was down): their tasks may or may not exist.
    var failedEnqueues = 0
    var waiters = 0
    var wrongWaiters: [String] = []
    /// Schedules made: each due time fired must have one task.
    var schedules: Set<String> = []
    /// The attempt tokens of the tasks cancelled by id.
    var cancelTokens: [UUID: String] = [:]
}

/// Enqueues a mix of work until told to stop, the way an application under faults does:
/// plain tasks, bulk enqueues, chains under both policies, retried failures, timeouts, long
/// tasks, transactions that commit and roll back, result waiters, hostile input, schedules,
/// unique enqueues and cancellations.
actor Workload {
    let broker: Broker
    var random: SeededRandom
    var expected = Expectations()
    private var waiters: [Task<Void, Never>] = []
    /// The cancels sent a moment after their enqueues.
    var cancels: [Task<Void, Never>] = []
    private var counter = 0

    init(broker: Broker, seed: UInt64) {
        self.broker = broker
        random = SeededRandom(seed: seed ^ 0x5EED)
    }

    func run(until deadline: ContinuousClock.Instant) async {
        await makeSchedules()
        while ContinuousClock.now < deadline {
            do {
                try await step()
                try await Task.sleep(for: .milliseconds(20))
            } catch {
                expected.failedEnqueues += 1
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        await pauseSchedules()
    }

    /// Waits for the result waiters to return; those still waiting after `limit` are
    /// cancelled, and count as waiters that got nothing.
    func finishWaiters(within limit: Duration) async -> Expectations {
        for cancel in cancels { await cancel.value }
        let waiters = self.waiters
        let deadline = Task {
            try? await Task.sleep(for: limit)
            for waiter in waiters { waiter.cancel() }
        }
        for waiter in waiters { await waiter.value }
        deadline.cancel()
        return expected
    }

    func nextToken() -> String { token() }

    private func token() -> String {
        counter += 1
        return "t\(counter)"
    }

    /// A `test.attempt` call: its token, a sleep, a payload that needs escaping.
    func attempt(_ milliseconds: Int, function: String = "test.attempt") -> (TaskCall, String, JSONValue) {
        let token = token()
        let payload = Bool.random(using: &random) ? HostileNames.text : "plain"
        return (TaskCall(function, .string(token), .int(milliseconds), .string(payload)), token,
                .array([.string(token), .string(payload)]))
    }

    private func step() async throws {
        let roll = Int.random(in: 0..<100, using: &random)
        switch roll {
        case 24..<27:
            try await uniqueTask()
        case 27..<29:
            try await cancelled(chain: roll == 28)
        case 29:
            try await onceSchedule()
        case 0..<30:
            let (call, _, value) = attempt(Int.random(in: 1...40, using: &random))
            let id = try await broker.asyncTask(call.function, args: call.args)
            expected.tasks[id] = .value(value)
        case 30..<40:
            let calls = (0..<Int.random(in: 5...30, using: &random)).map { _ in attempt(Int.random(in: 1...20, using: &random)) }
            let ids = try await broker.asyncTasks(calls.map(\.0))
            for (id, call) in zip(ids, calls) { expected.tasks[id] = .value(call.2) }
        case 40..<55:
            try await chain()
        case 55..<60:
            let id = try await broker.asyncTask("baton.fail", args: [.string(HostileNames.text)], maxAttempts: 3,
                                                retryDelay: .milliseconds(50))
            expected.tasks[id] = .failure(HostileNames.text)
        case 60..<64:
            let (call, _, _) = attempt(5_000)
            let id = try await broker.asyncTask(call.function, args: call.args, timeout: .milliseconds(200))
            expected.tasks[id] = .failure("test.attempt: timed out after 0.2 s")
        case 64..<67:
            let (call, _, value) = attempt(Int.random(in: 1_500...4_000, using: &random))
            let id = try await broker.asyncTask(call.function, args: call.args)
            expected.tasks[id] = .value(value)
        case 67..<77:
            try await transaction(commits: roll < 74)
        case 77..<85:
            let (call, _, value) = attempt(Int.random(in: 1...40, using: &random))
            let id = try await broker.asyncTask(call.function, args: call.args)
            expected.tasks[id] = .value(value)
            expected.waiters += 1
            let broker = self.broker
            waiters.append(Task {
                let got = try? await broker.result(id, wait: .seconds(600))
                if got != value { await self.wrong("waiter of \(id.lowercasedText) got \(got.map { "\($0)" } ?? "nothing")") }
            })
        default:
            try await hostile(roll)
        }
    }

    private func wrong(_ message: String) {
        expected.wrongWaiters.append(message)
    }

    private func chain() async throws {
        let links = Int.random(in: 2...5, using: &random)
        let policy: ChainPolicy = Bool.random(using: &random) ? .stop : .continue
        let failing = Int.random(in: 0..<4, using: &random) == 0 ? Int.random(in: 0..<links, using: &random) : nil
        var calls: [TaskCall] = []
        for position in 0..<links {
            calls.append(position == failing ? TaskCall("baton.fail", "link failed") : attempt(Int.random(in: 1...30, using: &random)).0)
        }
        let long = Int.random(in: 0..<5, using: &random) == 0
        let group = long ? HostileNames.group("chain-\(token())-", length: 4_000) : "chain-\(token())"
        let id = try await broker.asyncChain(calls, group: group, policy: policy)
        expected.chains[id] = links
    }

    private func transaction(commits: Bool) async throws {
        struct RolledBack: Error {}
        let calls = (0..<Int.random(in: 1...3, using: &random)).map { _ in attempt(Int.random(in: 1...20, using: &random)) }
        var ids: [UUID] = []
        do {
            try await broker.pool.transaction { tx in
                for call in calls { ids.append(try await broker.asyncTask(call.0.function, args: call.0.args, in: tx)) }
                if !commits { throw RolledBack() }
            }
            for (id, call) in zip(ids, calls) { expected.tasks[id] = .value(call.2) }
        } catch is RolledBack {
            expected.rolledBack += ids
            expected.rolledBackTokens.formUnion(calls.map(\.1))
        }
    }

    private func hostile(_ roll: Int) async throws {
        switch roll {
        case 85..<89:
            // Valid jsonb nested 2,000 deep, past what a cluster reads: fails alone.
            let id = try await broker.pool.withConnection { connection in
                try await connection.query(
                    "SELECT baton.async_task('baton.echo', ('[' || repeat('[', 2000) || repeat(']', 2000) || ']')::jsonb)"
                )[0].decode(0, as: UUID.self)
            }
            expected.tasks[id] = .failure("baton.echo: the task's arguments could not be read")
        case 89..<94:
            let (call, _, value) = attempt(Int.random(in: 1...20, using: &random))
            let id = try await broker.asyncTask(
                call.function, args: call.args, group: HostileNames.group("group-\(token())-"))
            expected.tasks[id] = .value(value)
        case 94..<98:
            let (call, _, value) = attempt(Int.random(in: 1...20, using: &random), function: HostileNames.function)
            let id = try await broker.asyncTask(call.function, args: call.args)
            expected.tasks[id] = .value(value)
        default:
            let id = try await broker.asyncTask("nobody.has." + String(repeating: "ü", count: 2_000), args: [1])
            expected.tasks[id] = .neverClaimed
        }
    }
}
