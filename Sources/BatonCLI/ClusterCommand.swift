import ArgumentParser
import Baton
import BatonCluster
import BatonDashboard
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

    @Option(name: .customLong("metrics-port"), help: "Serve Prometheus metrics at http://HOST:PORT/metrics (0: a free port, logged).")
    var metricsPort: Int?

    @Option(name: .customLong("metrics-host"), help: "The address /metrics listens on; another than loopback exposes it to the network.")
    var metricsHost = "127.0.0.1"

    func validate() throws {
        _ = try queueWorkers(default: 1)
        if let keep, DurationText.parse(keep).map({ $0 > .zero }) != true {
            throw ValidationError("--keep is a positive duration such as 7d or 12h, not \(keep)")
        }
        if let metricsPort, !(0...65535).contains(metricsPort) {
            throw ValidationError("--metrics-port is a port from 0 to 65535, not \(metricsPort)")
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
        // Before the first metric is made: the cluster makes its own as it is built.
        let registry = metricsPort.map { _ in BatonPrometheus.bootstrap() }
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
        var metrics: MetricsServer?
        if let registry, let metricsPort {
            metrics = MetricsServer(
                endpoint: MetricsEndpoint(broker: broker, registry: registry), host: metricsHost, port: metricsPort)
        }
        let grace = Duration.milliseconds(Int(self.grace * 1000))
        do {
            // The cluster ends the process. The metrics server listens before the cluster
            // starts: one that cannot is an error before anything is claimed.
            try await withThrowingTaskGroup(of: Void.self) { group in
                if let metrics {
                    let (listening, listened) = AsyncStream<Bool>.makeStream()
                    group.addTask { [logger] in
                        do {
                            try await metrics.run(logger: logger) { port in
                                logger.info("metrics served at http://\(metrics.host):\(port)/metrics")
                                listened.yield(true)
                            }
                        } catch {
                            listened.yield(false)
                            throw error
                        }
                    }
                    var answers = listening.makeAsyncIterator()
                    if await answers.next() != true { try await group.next() }
                }
                group.addTask { try await MissingSchema.check { try await cluster.runUntilSignalled(grace: grace) } }
                try await group.next()
                group.cancelAll()
            }
        } catch let error as BatonError where error.code == .clusterWedged {
            logger.critical("\(error.message)")
            await broker.close()
            throw ExitCode(75)
        }
        await broker.close()
    }
}
