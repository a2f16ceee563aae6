// A worker for the fault-injection tests: the stock functions and some that misbehave.
// Usage: baton-test-worker [--workers N] [--lease S] [--timeout S] [--abandon-after S] [--grace S]
// (the database from BATON_DATABASE_URL). Exits 75 when a task ignored its timeout.
import BatonCluster
import Foundation
import Logging

var options: [String: Double] = ["--workers": 4, "--lease": 2, "--abandon-after": 1, "--grace": 10]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst(), let value = arguments.popFirst().flatMap(Double.init) { options[name] = value }

var registry = TaskRegistry.stock
// Sleeps, honouring cancellation.
try registry.register("test.sleep") { (milliseconds: Int) in
    try await Task.sleep(for: .milliseconds(milliseconds))
    return milliseconds
}
// Blocks its thread and ignores cancellation, as a badly written task might.
try registry.register("test.hang") { (seconds: Double) -> Int in
    let end = Date().addingTimeInterval(seconds)
    while Date() < end { usleep(10_000) }
    return 0
}
// A Swift runtime error: the process dies at once.
try registry.register("test.crash") { (reason: String) -> Int in
    let values: [Int] = []
    return values[reason.count]
}

LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
let broker = try Broker.fromEnvironment(registry: registry)
let cluster = Cluster(
    broker: broker, registry: registry,
    configuration: ClusterConfiguration(
        workers: Int(options["--workers"]!), lease: .milliseconds(Int(options["--lease"]! * 1000)),
        idleCheckInterval: .milliseconds(500),
        timeout: options["--timeout"].map { .milliseconds(Int($0 * 1000)) },
        abandonAfter: .milliseconds(Int(options["--abandon-after"]! * 1000))),
    logger: Logger(label: "test.worker"))
do {
    try await cluster.runUntilSignalled(grace: .milliseconds(Int(options["--grace"]! * 1000)))
} catch let error as BatonError where error.code == .clusterWedged {
    exit(75)
}
await broker.close()
