import ArgumentParser
import Baton
import BatonCluster
import BatonDashboard
import Foundation
import Logging

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve the web dashboard (and /metrics) until SIGTERM or SIGINT.",
        discussion: """
            Pages of the queue, live: its tasks, failures, chains and groups, queues, schedules and \
            clusters, with actions (retry, cancel, delete, pause, resume, run now) that go through the \
            same SQL functions as this tool. Listens on 127.0.0.1 unless --host says otherwise, and then \
            only with a token (BATON_DASHBOARD_TOKEN or --token): a browser asks for it as a password. \
            Actions run with the rights of the database role in the URL (docs/security.md).
            """
    )

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var log: LogOptions

    @Option(help: "The address to listen on; another than loopback needs a token.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: a free one, logged).")
    var port = 8080

    @Option(help: "The token every request must carry (default: BATON_DASHBOARD_TOKEN); never printed.")
    var token: String?

    @Flag(name: .customLong("read-only"), help: "Show everything, offer no action.")
    var readOnly = false

    @Option(name: .customLong("base-path"), help: "The path the pages are under, behind a proxy that keeps it: /baton.")
    var basePath = ""

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port is a port from 0 to 65535, not \(port)") }
    }

    func run() async throws {
        StopSignals.catchNow()
        log.bootstrap()
        let registry = BatonPrometheus.bootstrap()
        let logger = Logger(label: "baton.dashboard")
        let broker = Broker(configuration: try database.configuration(), maxConnections: 8)
        let server: DashboardServer
        do {
            let dashboard = try Dashboard(broker: broker, options: DashboardOptions(basePath: basePath, readOnly: readOnly))
            server = try DashboardServer(
                dashboard: dashboard, host: host, port: port,
                token: token ?? ProcessInfo.processInfo.environment["BATON_DASHBOARD_TOKEN"],
                metrics: MetricsEndpoint(broker: broker, registry: registry))
        } catch let error as BatonError {
            await broker.close()
            throw ValidationError(error.message)
        }
        _ = try await MissingSchema.check { try await broker.queueSize() }
        let (host, base, readOnly) = (self.host, DashboardOptions(basePath: basePath).basePath, self.readOnly)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await server.run(logger: logger) { port in
                        logger.info("dashboard served at http://\(host):\(port)\(base)/", metadata: [
                            "read_only": "\(readOnly)", "token": "\(server.token == nil ? "none" : "required")",
                        ])
                    }
                }
                group.addTask { await StopSignals.first() }
                try await group.next()
                group.cancelAll()
            }
        } catch {
            await broker.close()
            throw error
        }
        await broker.close()
    }
}
