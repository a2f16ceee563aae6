// The random fault run (`make test-chaos`): clusters as separate processes with short leases,
// a mixed and hostile workload, faults injected from a seed, then the invariants checked from
// the database. Exits 1 on any violation.
//
// Usage: baton-chaos [--seed N] [--duration SECONDS] [--clusters N] [--workers N] [--lease SECONDS]
//                    [--faults kill,stop,term,databaseRestart,databaseDown,terminate,busy,partition]
// The database is the test database (BATON_DATABASE_URL or the private one); PostgreSQL is
// stopped only when BATON_PRIVATE_DATABASE=1. The same seed replays the same fault schedule.
import Baton
import Foundation
import TestSupport

// The partition's forwarder writes to sockets whose peer may be gone: an error, not a signal.
signal(SIGPIPE, SIG_IGN)

var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()
while let name = arguments.popFirst(), let value = arguments.popFirst() { options[name] = value }
let seed = options["--seed"].flatMap(UInt64.init) ?? UInt64.random(in: 1...999_999)
let duration = Duration.seconds(Double(options["--duration"] ?? "60") ?? 60)
let clusterCount = Int(options["--clusters"] ?? "3") ?? 3
let workers = Int(options["--workers"] ?? "3") ?? 3
let lease = Duration.seconds(Double(options["--lease"] ?? "3") ?? 3)
let grace = Duration.seconds(5)
let privateDatabase = ProcessInfo.processInfo.environment["BATON_PRIVATE_DATABASE"] == "1"

var kinds: [FaultKind] = [.kill, .stop, .term, .terminate, .busy]
if privateDatabase {
    kinds += [.databaseRestart, .databaseDown]
} else {
    say("chaos: not stopping PostgreSQL (a configured database; set none to use the private one)")
}
let network = Partition.available()
if let reason = network.unavailable {
    say("chaos: no network partitions: \(reason)")
} else {
    kinds.append(.partition)
}
if let only = options["--faults"] {
    let chosen = only.split(separator: ",").map(String.init)
    let unknown = chosen.filter { name in !FaultKind.allCases.contains { "\($0)" == name } }
    guard unknown.isEmpty else {
        say("chaos: unknown faults \(unknown); known: \(FaultKind.allCases.map { "\($0)" }.joined(separator: ","))")
        exit(2)
    }
    kinds = kinds.filter { chosen.contains("\($0)") }
}
let schedule = FaultSchedule.make(seed: seed, duration: duration, clusters: clusterCount, lease: lease, kinds: kinds)
say("chaos: seed \(seed), \(duration.seconds) s, \(clusterCount) clusters of \(workers) workers, lease \(lease.seconds) s")
say("chaos: replay with: make test-chaos CHAOS_SEEDS=\(seed) CHAOS_DURATION=\(Int(duration.seconds))")
say("chaos: schedule of \(schedule.count) faults:")
for fault in schedule { say("  " + fault.description) }

do {
    let report = try await ChaosRun(
        seed: seed, duration: duration, clusters: clusterCount, workers: workers, lease: lease, grace: grace,
        schedule: schedule, partition: network.unavailable == nil ? network : nil
    ).run()
    say(report.text)
    exit(report.violations.isEmpty ? 0 : 1)
} catch {
    say("chaos: the run could not go on: \(error)")
    network.tearDown()
    exit(2)
}
