import ArgumentParser
import Baton
import Foundation

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Baton on the database, beside the database's own limit for the same work.",
        discussion: """
            Runs in a database of its own (baton_bench_...), created on the configured server and \
            dropped afterwards; the user needs CREATEDB. Each figure is the median of --repeat runs. \
            See docs/performance.md.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "Also measure the database's own limit for the same work, and print ratios.")
    var baseline = false

    @Option(help: "Tasks for W1 (enqueue and processing).")
    var tasks = 20_000

    @Option(help: "Workers of the cluster, and concurrent callers and connections.")
    var workers = 4

    @Option(help: "Chains for W2.")
    var chains = 200

    @Option(help: "Links of each W2 chain.")
    var links = 10

    @Option(help: "W3 round trips.")
    var trials = 200

    @Option(help: "The cluster's prefetch (default: ClusterConfiguration's).")
    var prefetch: Int?

    @Option(help: "Tasks queued for the large backlog run and the cluster-memory run.")
    var backlog = 1_000_000

    @Option(help: "Results recorded before W1 is measured again with a long history (0: not measured).")
    var history = 10_000_000

    @Option(help: "Seconds of the sustained run (10 minutes: 600).")
    var duration = 60

    @Option(name: .customLong("repeat"), help: "Runs per figure; the median is printed.")
    var runs = 3

    @Option(
        name: .customLong("pgbouncer-url"),
        help: """
            A PgBouncer in transaction mode in front of the same server, routing every database (`* =`): \
            W1 and W2 are measured through it too, statements unprepared, listening on a direct connection.
            """)
    var pgbouncerURL: String?

    @Flag(help: "Print JSON.")
    var json = false

    /// The bench's database through PgBouncer, with unprepared statements, if one was named.
    func pooled(database: String) throws -> ConnectionConfiguration? {
        guard let pgbouncerURL else { return nil }
        var configuration = try ConnectionConfiguration(pgbouncerURL).with(database: database)
        configuration.preparedStatements = false
        return configuration
    }

    func validate() throws {
        guard tasks > 0, workers > 0, trials > 0, runs > 0, chains > 0, links > 1, duration > 0, backlog >= 10, history >= 0
        else {
            throw ValidationError("""
                --tasks, --workers, --chains, --trials, --duration and --repeat must be positive; --links at least 2; \
                --backlog at least 10; --history not negative
                """)
        }
        do {
            _ = try pooled(database: "baton")
        } catch let error as PostgresError {
            throw ValidationError("--pgbouncer-url: \(error.message)")
        }
    }

    func run() async throws {
        let server = try database.configuration()
        let name = "baton_bench_\(UUID().uuidString.prefix(8).lowercased())"
        let admin = try await Connection.connect(server)
        try await admin.execute(script: BenchSQL.createDatabase(name))
        do {
            let figures = try await measure(on: server, database: name)
            try await admin.execute(script: BenchSQL.dropDatabase(name))
            await admin.close()
            try BenchReport(figures: figures).print(json: json)
        } catch {
            try? await admin.execute(script: BenchSQL.dropDatabase(name))
            await admin.close()
            throw error
        }
    }

    private func measure(on server: ConnectionConfiguration, database: String) async throws -> [BenchFigure] {
        let configuration = server.with(database: database)
        let connection = try await Connection.connect(configuration)
        try await Migrator().migrate(on: connection)
        await connection.close()
        let workloads = Workloads(configuration: configuration, workers: workers, prefetch: prefetch)
        let limits = Baseline(configuration: configuration, connections: workers)
        var figures: [BenchFigure] = []
        func figure(_ name: String, _ unit: String, baseline: String? = nil, _ run: () async throws -> Double) async throws {
            var values: [Double] = []
            for index in 1...runs {
                progress("\(name): run \(index) of \(runs)")
                values.append(try await run())
            }
            figures.append(BenchFigure(name: name, unit: unit, runs: values, baseline: baseline))
        }
        if baseline {
            try await figure(BaselineName.insert, "rows/s") { try await limits.inserts(tasks) }
            try await figure(BaselineName.copy, "rows/s") { try await limits.copies(tasks) }
            try await figure(BaselineName.claimOne, "rows/s") { try await limits.claimAndComplete(tasks / 4, batch: 1) }
            try await figure(BaselineName.claimBatch, "rows/s") { try await limits.claimAndComplete(tasks, batch: 50) }
            try await figure(BaselineName.sameWrites, "rows/s") {
                try await limits.claimCompleteAndRecord(tasks, batch: 50)
            }
            try await figure(BaselineName.oneStatement, "rows/s") {
                try await limits.claimAndCompleteInOneStatement(tasks, batch: 50)
            }
        }
        try await figure("W1 enqueue, one per call", "tasks/s", baseline: BaselineName.insert) {
            try await workloads.enqueueOnePerCall(tasks)
        }
        figures += try await sqlEnqueueFigures(configuration)
        try await figure("W1 enqueue in bulk, asyncTasks of 5,000", "tasks/s", baseline: BaselineName.copy) {
            try await workloads.enqueueInBulk(tasks)
        }
        let w1 = "W1 processing, \(workers) workers"
        try await figure(w1, "tasks/s", baseline: BaselineName.claimBatch) { try await workloads.process(tasks) }
        figures.append(BenchFigure(name: "\(w1), vs Baton's writes", unit: "tasks/s", runs: figures.last!.runs,
                                   baseline: BaselineName.sameWrites))
        if history > 0 {
            let rates = try await workloads.processWithHistory(
                tasks, history: history, runs: runs, in: "\(database)_history", on: server, progress: progress)
            let beside = "\(w1), an empty history, alternating with the next"
            figures.append(BenchFigure(name: beside, unit: "tasks/s", runs: rates.empty, baseline: nil))
            figures.append(BenchFigure(name: "\(w1), \(history) results recorded before", unit: "tasks/s",
                                       runs: rates.long, baseline: beside))
        }
        let cold = ColdDrain(server: server, database: database, workers: workers, prefetch: prefetch)
        try await figure("cold drain: baton cluster process on \(tasks) SQL-enqueued, never analysed", "tasks/s",
                         baseline: w1) { try await cold.measure(tasks, queue: .fresh, progress: progress) }
        try await figure("cold drain: the same, analysed empty, after churn of \(tasks * ColdDrain.churn)", "tasks/s",
                         baseline: w1) { try await cold.measure(tasks, queue: .stale, progress: progress) }
        func handOff(_ name: String, _ runs: [ChainRun], _ value: KeyPath<ChainRun, Double>) {
            figures.append(BenchFigure(name: name, unit: "ms", runs: runs.map { $0[keyPath: value] }, baseline: nil))
        }
        var loaded: [ChainRun] = []
        try await figure("W2 chain links, \(chains) chains of \(links)", "links/s", baseline: w1) {
            let run = try await workloads.chains(chains, links: links)
            loaded.append(run)
            return run.rate
        }
        if let pooled = try pooled(database: database) {
            let through = Workloads(
                configuration: pooled, workers: workers, prefetch: prefetch, listening: .direct(configuration))
            let suffix = "through PgBouncer, unprepared"
            try await figure("W1 enqueue, one per call, \(suffix)", "tasks/s", baseline: "W1 enqueue, one per call") {
                try await through.enqueueOnePerCall(tasks)
            }
            try await figure("\(w1), \(suffix)", "tasks/s", baseline: w1) { try await through.process(tasks) }
            let w2 = "W2 chain links, \(chains) chains of \(links)"
            try await figure("W2 chain links, \(suffix)", "links/s", baseline: w2) {
                try await through.chains(chains, links: links).rate
            }
        }
        handOff("W2 hand-off p50 under load", loaded, \.p50)
        handOff("W2 hand-off p99 under load", loaded, \.p99)
        var alone: [ChainRun] = []
        try await figure("W2 hand-off p50, one chain alone", "ms") {
            let run = try await workloads.chains(1, links: max(links, 50))
            alone.append(run)
            return run.p50
        }
        handOff("W2 hand-off p99, one chain alone", alone, \.p99)
        handOff("W2 hand-off as recorded (stop to stop), p50 under load", loaded, \.recordedP50)
        handOff("W2 hand-off as recorded (stop to stop), p99 under load", loaded, \.recordedP99)
        handOff("W2 hand-off as recorded (stop to stop), p50 alone", alone, \.recordedP50)
        handOff("W2 hand-off as recorded (stop to stop), p99 alone", alone, \.recordedP99)
        var p99: [Double] = []
        try await figure("W3 round trip p50", "ms") {
            let (p50, tail) = try await workloads.roundTrip(trials)
            p99.append(tail)
            return p50
        }
        figures.append(BenchFigure(name: "W3 round trip p99", unit: "ms", runs: p99, baseline: nil))
        figures += try await backlogFigures(workloads)
        figures += try await sustainedFigures(workloads)
        figures += try await memoryFigures(configuration)
        figures += try await clusterFigures(configuration)
        progress("done")
        return figures
    }

    func progress(_ line: String) {
        FileHandle.standardError.write(Data("\u{1B}[2K\rbench: \(line)\(line == "done" ? "\n" : "")".utf8))
    }
}

enum BaselineName {
    static let insert = "baseline: single-row INSERT per transaction"
    static let insertClients = "baseline: single-row INSERT per transaction, \(SQLEnqueue.clients) clients"
    static let copy = "baseline: COPY, 5,000 rows per statement"
    static let claimOne = "baseline: claim + complete, 1 per transaction"
    static let claimBatch = "baseline: claim + complete, 50 per transaction"
    static let sameWrites = "baseline: Baton's writes (lease, delete + record), 50 per batch"
    static let oneStatement = "baseline: claim-and-delete in one statement, 50 each"
}
