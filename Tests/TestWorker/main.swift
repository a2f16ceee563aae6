// A worker for the fault-injection and chaos tests: the stock functions and some that misbehave.
// Usage: baton-test-worker [--workers N] [--lease S] [--timeout S] [--abandon-after S] [--grace S]
// (the database from BATON_DATABASE_URL). Exits 75 when a task ignored its timeout. With
// BATON_ATTEMPT_LOG set, `test.attempt` appends a line to that file when each attempt starts
// and ends: `start|end TOKEN PID NANOSECONDS`, for the chaos run's checks.
import BatonCluster
import Foundation
import Logging
import TestSupport

// Before anything else: a SIGTERM sent while the process starts up must stop it cleanly.
StopSignals.catchNow()

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

// Sleeps, honouring cancellation, and returns its token and payload; logs each attempt.
let attempts = AttemptLog(path: ProcessInfo.processInfo.environment["BATON_ATTEMPT_LOG"])
for name in ["test.attempt", HostileNames.function] {
    try registry.register(name) { (token: String, milliseconds: Int, payload: String) -> [String] in
        attempts.write("start", token)
        defer { attempts.write("end", token) }
        try await Task.sleep(for: .milliseconds(milliseconds))
        return [token, payload]
    }
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
} catch {
    // As `baton cluster` does: a message and status 1, for the supervisor to start it again.
    FileHandle.standardError.write(Data("baton-test-worker: \(error)\n".utf8))
    exit(1)
}
await broker.close()

/// Appends attempt lines with O_APPEND writes, whole lines at once, from every worker process.
final class AttemptLog: Sendable {
    let descriptor: Int32

    init(path: String?) {
        descriptor = path.map { open($0, O_WRONLY | O_APPEND | O_CREAT, 0o644) } ?? -1
    }

    func write(_ event: String, _ token: String) {
        guard descriptor >= 0 else { return }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let line = "\(event) \(token) \(getpid()) \(Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec))\n"
        _ = line.withCString { Foundation.write(descriptor, $0, strlen($0)) }
    }
}
