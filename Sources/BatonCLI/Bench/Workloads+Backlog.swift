import Baton
import BatonCluster
import Foundation

extension Workloads {
    /// W1 bulk: enqueue `count` tasks with `asyncTasks`, `chunk` per call, from one caller: tasks/s.
    func enqueueInBulk(_ count: Int, chunk: Int = 5_000) async throws -> Double {
        try await withBroker { broker in
            let started = ContinuousClock.now
            var left = count
            while left > 0 {
                let size = min(chunk, left)
                try await broker.asyncTasks(Array(repeating: TaskCall("baton.echo"), count: size))
                left -= size
            }
            let elapsed = ContinuousClock.now - started
            try await empty(broker)
            return Measure.rate(count, in: elapsed)
        }
    }

    /// Backlog: the processing rate of `count` no-op tasks with `queued` waiting, for each
    /// of `runs` runs (the queue is topped up to `queued` before each).
    func backlog(queued: Int, count: Int, runs: Int, progress: (String) -> Void) async throws -> [Double] {
        try await withBroker { broker in
            var rates: [Double] = []
            for run in 1...runs {
                progress("backlog of \(queued): filling the queue (run \(run) of \(runs))")
                try await fill(broker, to: queued)
                progress("backlog of \(queued): processing \(count) (run \(run) of \(runs))")
                rates.append(Measure.rate(count, in: try await runCluster(broker, until: count)))
            }
            try await empty(broker)
            return rates
        }
    }

    /// Sustained: a producer keeps the queue between `low` and `low * 2` with bulk enqueues
    /// while a cluster works for `duration`: tasks finished in each interval (per second),
    /// and the dead tuples of baton.tasks at the end.
    func sustained(
        for duration: Duration, interval: Duration, low: Int = 10_000, progress: @escaping @Sendable (String) -> Void
    ) async throws -> (rates: [Double], deadTuples: Int) {
        try await withBroker { broker in
            let cluster = cluster(on: broker)
            let running = Task { try await cluster.run() }
            let producer = Task {
                while !Task.isCancelled {
                    let queued = try await broker.queueSize()
                    if queued < low {
                        try await broker.asyncTasks(Array(repeating: TaskCall("baton.echo"), count: low))
                    } else {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                }
            }
            var rates: [Double] = []
            let started = ContinuousClock.now
            var mark = (at: started, finished: 0)
            while ContinuousClock.now - started < duration {
                try await Task.sleep(until: min(mark.at + interval, started + duration), clock: .continuous)
                let now = (at: ContinuousClock.now, finished: cluster.finishedCount)
                rates.append(Measure.rate(now.finished - mark.finished, in: now.at - mark.at))
                mark = now
                progress("sustained: \(Int((now.at - started).seconds)) s of \(Int(duration.seconds)), "
                    + "\(Int(rates.last!)) tasks/s")
            }
            producer.cancel()
            _ = try? await producer.value
            running.cancel()
            try await running.value
            let dead = try await broker.pool.withConnection { connection in
                try await connection.execute(script: BenchSQL.flushStatistics)
                return try await connection.query(BenchSQL.deadTuples)[0].decode(0, as: Int.self)
            }
            try await empty(broker)
            return (rates, dead)
        }
    }

    /// Queues no-op tasks until `count` are queued, in one statement.
    func fill(_ broker: Broker, to count: Int) async throws {
        try await broker.pool.withConnection { connection in
            let queued = try await connection.query(BenchSQL.queued)[0].decode(0, as: Int.self)
            guard queued < count else { return }
            try await connection.execute(BenchSQL.fill, count - queued)
            try await connection.execute(script: BenchSQL.vacuumQueue)
        }
    }
}
