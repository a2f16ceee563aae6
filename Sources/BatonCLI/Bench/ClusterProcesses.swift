import Baton
import Foundation

/// `baton cluster` processes (this executable) on the bench's database, their output discarded.
enum ClusterProcess {
    static func start(
        on configuration: ConnectionConfiguration, workers: Int, prefetch: Int?, environment extra: [String: String] = [:]
    ) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        process.arguments = ["cluster", "--workers", String(workers)] + (prefetch.map { ["--prefetch", String($0)] } ?? [])
        var environment = ProcessInfo.processInfo.environment
        environment["BATON_DATABASE_URL"] = configuration.conninfoForChildProcess
        environment.merge(extra) { $1 }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Stops the processes that still run and waits for each.
    static func stop(_ processes: [Process]) {
        for process in processes where process.isRunning { process.terminate() }
        for process in processes { process.waitUntilExit() }
    }

    /// The queue holds no task, as `broker` sees it.
    static func queueIsEmpty(_ broker: Broker) async throws -> Bool {
        try await broker.pool.withConnection { connection in
            try await !connection.query(BenchSQL.anyQueued)[0].decode(0, as: Bool.self)
        }
    }

    /// Checks `done` every 5 ms, calling `progress` with the time so far about once a
    /// second; throws when one of `processes` exits or `limit` passes.
    static func wait(
        until what: String, _ processes: [Process], limit: Duration = .seconds(60),
        progress: (Duration) -> Void = { _ in }, _ done: () async throws -> Bool
    ) async throws {
        let started = ContinuousClock.now
        var reported = started
        while try await !done() {
            if let exited = processes.first(where: { !$0.isRunning }) {
                throw BatonError(code: .taskFailed, message: "baton cluster exited with status \(exited.terminationStatus)")
            }
            if ContinuousClock.now - started > limit {
                throw BatonError(code: .taskFailed, message: "\(what) took over \(Int(limit.seconds)) s")
            }
            try await Task.sleep(for: .milliseconds(5))
            if ContinuousClock.now - reported > .seconds(1) {
                reported = .now
                progress(reported - started)
            }
        }
    }
}

/// Several clusters on one database, each its own process: the processing rate of `clusters`
/// processes of `workers` each, warmed up (registered, a first thousand tasks run), on a
/// queue of `count` no-op tasks filled and analysed before a notification starts the clock.
struct ClusterProcesses {
    let configuration: ConnectionConfiguration
    let prefetch: Int?

    func rate(_ count: Int, clusters: Int, workers: Int) async throws -> Double {
        try await Broker.with(configuration: configuration, maxConnections: 2) { broker in
            let workloads = Workloads(configuration: configuration, workers: workers, prefetch: prefetch)
            var processes: [Process] = []
            defer { ClusterProcess.stop(processes) }
            for _ in 0..<clusters {
                processes.append(try ClusterProcess.start(on: configuration, workers: workers, prefetch: prefetch))
            }
            try await ClusterProcess.wait(until: "\(clusters) clusters registered", processes) {
                try await broker.pool.withConnection { connection in
                    try await connection.query(BenchSQL.clustersRegistered, clusters)[0]
                        .decode(0, as: Bool.self)
                }
            }
            try await broker.asyncTasks(Array(repeating: TaskCall("baton.echo"), count: Workloads.warmUp))
            try await ClusterProcess.wait(until: "the warm-up", processes) { try await ClusterProcess.queueIsEmpty(broker) }
            try await workloads.fill(broker, to: count)
            let started = ContinuousClock.now
            try await broker.pool.withConnection { try await $0.notify("baton", payload: "queued") }
            try await ClusterProcess.wait(until: "the drain", processes) { try await ClusterProcess.queueIsEmpty(broker) }
            let elapsed = ContinuousClock.now - started
            ClusterProcess.stop(processes)
            try await workloads.empty(broker)
            return Measure.rate(count, in: elapsed)
        }
    }
}
