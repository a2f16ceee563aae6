import ArgumentParser
import Baton
import BatonCluster
import Foundation
import Logging
import ServiceLifecycle

struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Run queued tasks of the stock functions until SIGTERM or SIGINT.",
        discussion: "Build your own worker on BatonCluster to run your own functions (see Examples/)."
    )

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Tasks run at once (default: the number of cores).")
    var workers = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Seconds a claimed task is leased to this cluster.")
    var lease = 300

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "baton.cluster")
        let broker = Broker(configuration: try database.configuration(), maxConnections: workers + 2)
        let cluster = Cluster(
            broker: broker,
            configuration: ClusterConfiguration(workers: workers, lease: .seconds(lease)),
            logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: cluster)], gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [], logger: logger))
        try await group.run()
        await broker.close()
    }
}
