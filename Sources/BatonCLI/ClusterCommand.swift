import ArgumentParser
import Baton
import BatonCluster
import Foundation
import Logging

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Run queued tasks of the stock functions until SIGTERM or SIGINT.",
        discussion: """
            On SIGTERM or SIGINT the cluster stops claiming and lets running tasks finish for up to \
            --grace seconds, then hands the rest back to the queue and exits 0. A second signal hands \
            them back at once. Exits 75 when a task ignored the cancellation of its timeout, so that a \
            supervisor starts a fresh process. Build your own worker on BatonCluster to run your own \
            functions (see Examples/).
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var log: LogOptions

    @Option(help: "Tasks run at once (default: the number of cores); with --queue, the workers of a queue that names none.")
    var workers: Int?

    @Option(name: .customLong("queue"), help: ArgumentHelp(
        "A queue to serve and its workers, NAME=WORKERS (repeat for more; default: default=--workers).",
        valueName: "name=workers"))
    var queues: [String] = []

    @Flag(name: .customLong("no-schedules"), help: "Fire no schedules from this cluster (others do; each due time fires once).")
    var noSchedules = false

    @Option(help: "Keep finished results this long, pruning older ones: 7d, 12h (default: for ever).")
    var keep: String?

    @Option(name: .customLong("keep-per-function"), help: "Keep each function's newest this many results, pruning older ones.")
    var keepPerFunction: Int?

    @Flag(help: "Apply pending migrations before starting (as baton migrate does).")
    var migrate = false

    @Option(help: "Seconds a claimed task is leased; renewed every third of it while the task runs.")
    var lease = 30.0

    @Option(help: "Seconds one attempt may run when its task sets no timeout (default: no limit).")
    var timeout: Double?

    @Option(help: "Seconds running tasks get to finish after SIGTERM or SIGINT.")
    var grace = 30.0

    @Option(help: "The most tasks claimed beyond the free workers, to start at once; fewer when tasks are long (default: 16 a worker, at least 128; 0: none).")
    var prefetch: Int?

    func validate() throws {
        _ = try queueWorkers(default: 1)
        if let keep, DurationText.parse(keep).map({ $0 > .zero }) != true {
            throw ValidationError("--keep is a positive duration such as 7d or 12h, not \(keep)")
        }
        if let keepPerFunction, keepPerFunction < 0 {
            throw ValidationError("--keep-per-function is 0 or more, not \(keepPerFunction)")
        }
    }

    /// The queues given, each with its workers (`--workers`, else `fallback`, for one that names none).
    func queueWorkers(default fallback: Int) throws -> [String: Int] {
        var served: [String: Int] = [:]
        for entry in queues {
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            let name = parts.first ?? ""
            do { try QueueName.check(name) } catch let error as BatonError { throw ValidationError("--queue: \(error.message)") }
            guard served[name] == nil else { throw ValidationError("--queue \(name) is given twice") }
            if parts.count == 2 {
                guard let count = Int(parts[1]), count >= 1 else {
                    throw ValidationError("--queue \(entry): the workers are a whole number from 1, as in mail=2")
                }
                served[name] = count
            } else {
                served[name] = workers ?? fallback
            }
        }
        return served
    }

    func run() async throws {
        // Before connecting: a stop sent while the process starts up ends it cleanly.
        StopSignals.catchNow()
        log.bootstrap()
        var logger = Logger(label: "baton.cluster")
        let served = try queueWorkers(default: ProcessInfo.processInfo.activeProcessorCount)
        let workers = served.isEmpty ? self.workers ?? ProcessInfo.processInfo.activeProcessorCount
            : served.values.reduce(0, +)
        if migrate {
            try await database.withConnection { connection in
                let applied = try await Migrator().migrate(on: connection)
                for migration in applied.migrations { logger.info("applied migration \(migration.fileName)") }
                for object in applied.objects { logger.info("applied \(object.path)") }
            }
        }
        let broker = Broker(configuration: try database.configuration(), maxConnections: workers + 2)
        let configuration = ClusterConfiguration(
            workers: workers, queues: served, lease: .milliseconds(Int(lease * 1000)),
            timeout: timeout.map { .milliseconds(Int($0 * 1000)) }, prefetch: prefetch, firesSchedules: !noSchedules,
            keep: keep.flatMap(DurationText.parse), keepPerFunction: keepPerFunction)
        // Every line of this cluster names it (`cluster` in JSON logs).
        logger[metadataKey: "cluster"] = "\(configuration.name)"
        let cluster = Cluster(broker: broker, configuration: configuration, logger: logger)
        do {
            try await MissingSchema.check { try await cluster.runUntilSignalled(grace: .milliseconds(Int(grace * 1000))) }
        } catch let error as BatonError where error.code == .clusterWedged {
            logger.critical("\(error.message)")
            await broker.close()
            throw ExitCode(75)
        }
        await broker.close()
    }
}
