// A worker of your own: your task functions beside the stock ones, run by a cluster that
// stops gracefully on SIGTERM or SIGINT, and a hook it calls when a task that names it has
// finished. Enqueue from anywhere:
//   baton task shop.total '[{"price": 2.5, "quantity": 4}]' --hook shop.audit
//   SELECT baton.async_task('shop.total', '[[{"price": 2.5, "quantity": 4}]]', hook => 'shop.audit');
import BatonCluster
import Logging
import ServiceLifecycle

struct OrderLine: Codable, Sendable {
    let price: Double
    let quantity: Int
}

var registry = TaskRegistry.stock
try registry.register("shop.total") { (lines: [OrderLine]) in
    lines.reduce(0.0) { $0 + $1.price * Double($1.quantity) }
}
try registry.register("shop.greet") { arguments in
    let name: String = try arguments.decode(at: 0, name: "name")
    return .string("Hello, \(name)!")
}

LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
let logger = Logger(label: "shop.worker")
// Called with the task's record once its outcome is recorded; what it throws is logged.
try registry.registerHook("shop.audit") { record in
    logger.info("order total", metadata: [
        "task": "\(record.id)", "success": "\(record.success)", "result": "\(record.value)",
    ])
}
let broker = try Broker.fromEnvironment(registry: registry)
let cluster = Cluster(broker: broker, registry: registry, configuration: ClusterConfiguration(workers: 4), logger: logger)
let services = ServiceGroup(
    configuration: ServiceGroupConfiguration(
        services: [.init(service: cluster)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
try await services.run()
await broker.close()
