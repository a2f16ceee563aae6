import Baton
import Foundation

/// W1 with a long history: `baton.results` holding millions of finished tasks, as it does
/// after months without a retention policy.
extension Workloads {
    /// W1 processing of `count` tasks in a database of its own (`name` on `server`) with
    /// `history` results recorded before, alternating `runs` times with a W1 run on this
    /// workload's database and its empty history (the order reversed every other run), so
    /// that the machine's drift weighs on both alike: tasks/s of each. One in ten of the
    /// history's results belongs to a chain (the `results_group` index), one in a hundred has
    /// a task name (`results_name`), and their stop times span the last 30 days in order, as
    /// a queue records them.
    func processWithHistory(
        _ count: Int, history: Int, runs: Int, in name: String, on server: ConnectionConfiguration,
        progress: (String) -> Void
    ) async throws -> (empty: [Double], long: [Double]) {
        try await ScratchDatabase.with(name, on: server) { configuration in
            let connection = try await Connection.connect(configuration)
            try await Migrator().migrate(on: connection)
            await connection.close()
            let long = Workloads(configuration: configuration, workers: workers, prefetch: prefetch)
            try await long.withBroker { try await long.record(history, on: $0, progress: progress) }
            var rates: (empty: [Double], long: [Double]) = ([], [])
            for run in 1...runs {
                for withHistory in run % 2 == 1 ? [false, true] : [true, false] {
                    if withHistory {
                        progress("W1 processing with \(history) results: run \(run) of \(runs)")
                        // As on the other side, a broker of its own and the queue's tables
                        // emptied after; the results stay (the history grows by a run's tasks).
                        rates.long.append(try await long.withBroker { broker in
                            let rate = try await long.process(count, on: broker)
                            try await broker.pool.withConnection { try await $0.execute(script: BenchSQL.emptyQueue) }
                            return rate
                        })
                    } else {
                        progress("W1 processing beside it, an empty history: run \(run) of \(runs)")
                        rates.empty.append(try await process(count))
                    }
                }
            }
            return rates
        }
    }

    /// Records a history of `count` results, a million per statement, then analyses and checkpoints.
    private func record(_ count: Int, on broker: Broker, progress: (String) -> Void) async throws {
        let chunk = 1_000_000
        var written = 0
        while written < count {
            let rows = min(chunk, count - written)
            progress("history: recording \(written + rows) of \(count) results")
            try await broker.pool.withConnection { connection in
                try await connection.execute(BenchSQL.history, written + 1, written + rows, count)
            }
            written += rows
        }
        progress("history: analysing \(count) results")
        try await broker.pool.withConnection { connection in
            try await connection.execute(script: BenchSQL.vacuumResults)
            // Writing the history leaves gigabytes for the next checkpoint, which would
            // otherwise write them during the runs; it needs pg_checkpoint (or superuser).
            try? await connection.execute(script: BenchSQL.checkpoint)
        }
    }
}
