import Baton
import Foundation

/// The workload's schedules, unique enqueues and cancellations: what issue 14 added, under
/// the same faults as the rest.
extension Workload {
    /// The unique keys the workload enqueues under, few so that they collide often.
    static let uniqueKeys = 6

    /// Schedules made at the start: every minute, five due times missed, caught up at once by
    /// whoever fires first, then one a minute for the run.
    func makeSchedules() async {
        for index in 0..<3 {
            let name = "chaos-minute-\(index)"
            do {
                try await broker.schedule(
                    "baton.echo", args: [.string(name)], name: name, type: .minutes(1),
                    nextRun: Date().addingTimeInterval(-290 + Double(index)))
                expected.schedules.insert(name)
            } catch {
                expected.failedEnqueues += 1
            }
        }
    }

    /// A schedule that fires once, a moment from now.
    func onceSchedule() async throws {
        let name = "chaos-once-\(nextToken())"
        try await broker.schedule(
            "baton.echo", args: [.string(name)], name: name,
            nextRun: Date().addingTimeInterval(Double.random(in: 0.1...2, using: &random)))
        expected.schedules.insert(name)
    }

    /// Pauses every schedule, so that nothing is enqueued while the queue drains; tries again
    /// while the database is down.
    func pauseSchedules() async {
        for name in expected.schedules {
            for _ in 0..<50 {
                if (try? await broker.pauseSchedule(name)) != nil { break }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// An enqueue under one of a few unique keys: the call returns the task holding the key,
    /// new or not. The payload names the key, for the check that no two of its tasks overlap.
    func uniqueTask() async throws {
        let key = "u\(Int.random(in: 0..<Self.uniqueKeys, using: &random))"
        let call = TaskCall("test.attempt", .string(nextToken()), .int(Int.random(in: 1...200, using: &random)),
                            .string("unique:\(key)"))
        let id = try await broker.asyncTask(call.function, args: call.args, unique: key)
        if expected.tasks[id] == nil { expected.tasks[id] = .recorded }
    }

    /// A task, or a chain, cancelled a moment after its enqueue: queued, running or done by then.
    func cancelled(chain: Bool) async throws {
        let delay = Duration.milliseconds(Int.random(in: 0...600, using: &random))
        let broker = self.broker
        if chain {
            let calls = (0..<3).map { _ in attempt(Int.random(in: 50...400, using: &random)).0 }
            let group = "cancel-\(nextToken())"
            let id = try await broker.asyncChain(calls, group: group)
            expected.chains[id] = 3
            cancels.append(Task {
                try? await Task.sleep(for: delay)
                _ = try? await broker.cancelGroup(id, reason: "cancelled by the chaos run")
            })
            return
        }
        let (call, token, value) = attempt(Int.random(in: 100...1_500, using: &random))
        let id = try await broker.asyncTask(call.function, args: call.args)
        expected.tasks[id] = .valueOrCancelled(value)
        expected.cancelTokens[id] = token
        cancels.append(Task {
            try? await Task.sleep(for: delay)
            _ = try? await broker.cancel(id, reason: "cancelled by the chaos run")
        })
    }
}
