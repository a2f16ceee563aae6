import Baton
import Foundation

/// The long workloads of `baton bench`: a large backlog, a sustained run, and a cluster
/// process's memory.
extension BenchCommand {
    /// W1's processing rate with 10,000 queued and with `--backlog` queued.
    func backlogFigures(_ workloads: Workloads) async throws -> [BenchFigure] {
        let small = min(10_000, backlog / 10)
        let count = max(1, small / 2)
        let smallName = "backlog: processing with \(small) queued"
        let smallRates = try await workloads.backlog(queued: small, count: count, runs: runs, progress: progress)
        let largeRates = try await workloads.backlog(queued: backlog, count: count, runs: runs, progress: progress)
        return [
            BenchFigure(name: smallName, unit: "tasks/s", runs: smallRates, baseline: nil),
            BenchFigure(name: "backlog: processing with \(backlog) queued", unit: "tasks/s", runs: largeRates,
                        baseline: smallName),
        ]
    }

    /// The processing rate per minute (per half when shorter than two minutes) while a
    /// producer keeps the queue full, and the dead tuples of the queue table at the end.
    func sustainedFigures(_ workloads: Workloads) async throws -> [BenchFigure] {
        let total = Duration.seconds(duration)
        let interval = duration >= 120 ? Duration.seconds(60) : total / 2
        let (rates, dead) = try await workloads.sustained(for: total, interval: interval) { line in
            FileHandle.standardError.write(Data("\u{1B}[2K\rbench: \(line)".utf8))
        }
        let span = duration >= 120 ? "minute" : "half"
        let first = "sustained \(duration) s: first \(span)"
        return [
            BenchFigure(name: first, unit: "tasks/s", runs: [rates.first ?? 0], baseline: nil),
            BenchFigure(name: "sustained \(duration) s: last \(span)", unit: "tasks/s", runs: [rates.last ?? 0],
                        baseline: first),
            BenchFigure(name: "sustained \(duration) s: dead tuples in baton.tasks at the end", unit: "rows",
                        runs: [Double(dead)], baseline: nil),
        ]
    }

    /// Peak RSS of a `baton cluster` process over the first tenth of `--backlog` tasks and over all.
    func memoryFigures(_ configuration: ConnectionConfiguration) async throws -> [BenchFigure] {
        let memory = ClusterMemory(configuration: configuration, workers: workers, prefetch: prefetch)
        let (tenth, all, rate) = try await memory.measure(backlog, progress: progress)
        let first = "cluster process: peak RSS, first \(backlog / 10) tasks"
        return [
            BenchFigure(name: first, unit: "MB", runs: [tenth], baseline: nil),
            BenchFigure(name: "cluster process: peak RSS, all \(backlog) tasks", unit: "MB", runs: [all], baseline: first),
            BenchFigure(name: "cluster process: processing \(backlog) tasks", unit: "tasks/s", runs: [rate],
                        baseline: BaselineName.claimBatch),
        ]
    }

    /// Enqueues by SQL from `SQLEnqueue.clients` connections with a cluster running them: with
    /// 0017's wake-up, with a NOTIFY in each call as before it, and with none (the cluster
    /// polling); with `--baseline`, single-row INSERTs from as many connections, measured
    /// just before each run of them, so that the machine's drift falls on both alike.
    func sqlEnqueueFigures(_ configuration: ConnectionConfiguration) async throws -> [BenchFigure] {
        let sql = SQLEnqueue(configuration: configuration, workers: workers, prefetch: prefetch)
        let inserts = Baseline(configuration: configuration, connections: SQLEnqueue.clients)
        let variants: [(name: String, wakeup: SQLEnqueue.Wakeup)] = [
            ("SQL enqueue: baton.async_task per call, \(SQLEnqueue.clients) clients, a cluster running them", .whenWaited),
            ("SQL enqueue: the same with a NOTIFY in each call (before 0017)", .everyCall),
            ("SQL enqueue: the same with no wake-up, the cluster polling", .never),
        ]
        var baselineRuns: [Double] = []
        var variantRuns = Array(repeating: [Double](), count: variants.count)
        for run in 1...runs {
            if baseline {
                progress("\(BaselineName.insertClients): run \(run) of \(runs)")
                baselineRuns.append(try await inserts.inserts(tasks))
            }
            for (index, variant) in variants.enumerated() {
                progress("\(variant.name): run \(run) of \(runs)")
                variantRuns[index].append(try await sql.rate(tasks, wakeup: variant.wakeup))
            }
        }
        let measured = baseline
            ? [BenchFigure(name: BaselineName.insertClients, unit: "rows/s", runs: baselineRuns, baseline: nil)] : []
        return measured + zip(variants, variantRuns).map { variant, runs in
            BenchFigure(name: variant.name, unit: "tasks/s", runs: runs, baseline: BaselineName.insertClients)
        }
    }

    /// Several cluster processes on one database against one with the same workers: three
    /// of `--workers` against one of three times as many, and twenty of one worker against
    /// one of twenty, each draining `clusterDrain` times `--tasks`.
    func clusterFigures(_ configuration: ConnectionConfiguration) async throws -> [BenchFigure] {
        let processes = ClusterProcesses(configuration: configuration, prefetch: prefetch)
        let tasks = Self.clusterDrain * self.tasks
        var figures: [BenchFigure] = []
        for (clusters, each) in [(3, workers), (20, 1)] {
            let one = "clusters: 1 process of \(clusters * each) workers"
            var single: [Double] = []
            var many: [Double] = []
            for run in 1...runs {
                progress("\(one): run \(run) of \(runs)")
                single.append(try await processes.rate(tasks, clusters: 1, workers: clusters * each))
                progress("clusters: \(clusters) processes of \(each): run \(run) of \(runs)")
                many.append(try await processes.rate(tasks, clusters: clusters, workers: each))
            }
            figures.append(BenchFigure(name: one, unit: "tasks/s", runs: single, baseline: nil))
            figures.append(BenchFigure(name: "clusters: \(clusters) processes of \(each) worker\(each == 1 ? "" : "s")",
                                       unit: "tasks/s", runs: many, baseline: one))
        }
        return figures
    }

    /// How many times `--tasks` the clusters drain: twenty processes woken at once on two
    /// cores take about 150 ms before all of them run tasks, over a tenth of a 20,000-task
    /// drain, where users of many containers meet the rate after it.
    static let clusterDrain = 5
}
