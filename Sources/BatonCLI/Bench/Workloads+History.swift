import Baton
import Foundation

/// W1 with a long history: `baton.results` holding millions of finished tasks, as it does
/// after months without a retention policy.
extension Workloads {
    /// W1 processing of `count` tasks, `runs` times, with `history` results recorded before:
    /// tasks/s each run. One in ten of the history's results belongs to a chain (the
    /// `results_group` index), one in a hundred has a task name (`results_name`), and their
    /// stop times span the last 30 days in order, as a queue records them. The history is
    /// deleted afterwards.
    func processWithHistory(
        _ count: Int, history: Int, runs: Int, progress: (String) -> Void
    ) async throws -> [Double] {
        try await withBroker { broker in
            try await empty(broker)
            let chunk = 1_000_000
            var written = 0
            while written < history {
                let rows = min(chunk, history - written)
                progress("history: recording \(written + rows) of \(history) results")
                try await broker.pool.withConnection { connection in
                    try await connection.execute(BenchSQL.history, written + 1, written + rows, history)
                }
                written += rows
            }
            progress("history: analysing \(history) results")
            try await broker.pool.withConnection { connection in
                try await connection.execute(script: BenchSQL.vacuumResults)
                // Writing the history leaves gigabytes for the next checkpoint, which would
                // otherwise write them during the runs; it needs pg_checkpoint (or superuser).
                try? await connection.execute(script: BenchSQL.checkpoint)
            }
            var rates: [Double] = []
            for run in 1...runs {
                progress("W1 processing with \(history) results: run \(run) of \(runs)")
                rates.append(try await process(count, on: broker))
            }
            try await empty(broker)
            return rates
        }
    }
}
