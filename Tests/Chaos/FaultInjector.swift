import Baton
import Foundation
import Synchronization
import TestSupport

/// Carries out the faults of a schedule and remembers when the database was down.
final class FaultInjector: Sendable {
    let fleet: Fleet
    let broker: Broker
    let lease: Duration
    let grace: Duration
    let partition: Partition?
    let configuration: ConnectionConfiguration
    /// When the database could not be reached: by anyone (it was down), or by slot 0 (cut off).
    private let state = Mutex((counts: [FaultKind: Int](), down: [(from: Date, until: Date, onlySlot0: Bool)]()))
    /// After each partition: the cut-off cluster, when its link came back and when its
    /// heartbeat got through again (nil: not within `Self.recoveryWait`); the tasks that watch.
    private let recoveries = Mutex((seen: [(pid: Int32, linkUp: Date, back: Date?)](), watching: [Task<Void, Never>]()))
    static let recoveryWait = Duration.seconds(15)

    init(fleet: Fleet, broker: Broker, lease: Duration, grace: Duration, partition: Partition?,
         configuration: ConnectionConfiguration) {
        (self.fleet, self.broker, self.lease, self.grace, self.partition, self.configuration) =
            (fleet, broker, lease, grace, partition, configuration)
    }

    var counts: [FaultKind: Int] { state.withLock { $0.counts } }

    /// Whether a cluster in `slot` could not reach the database at `date`, or could again only
    /// less than a lease and a connect timeout before: then it may exit for its supervisor.
    func databaseWasUnreachable(at date: Date, slot: Int) -> Bool {
        state.withLock {
            $0.down.contains { window in
                (!window.onlySlot0 || slot == 0) && window.from <= date
                    && date <= window.until.addingTimeInterval(lease.seconds + 11)
            }
        }
    }

    func inject(_ fault: Fault) async throws {
        state.withLock { $0.counts[fault.kind, default: 0] += 1 }
        switch fault.kind {
        case .kill:
            try await fleet.kill(fault.cluster)
        case .stop:
            try await fleet.stop(fault.cluster, for: fault.length)
        case .term:
            try await fleet.term(fault.cluster, grace: grace)
        case .databaseRestart, .databaseDown:
            let from = Date()
            let seconds = fault.kind == .databaseDown ? fault.length.seconds : 0
            try scriptsDB(["crash", String(format: "%.2f", seconds)])
            state.withLock { $0.down.append((from, Date(), false)) }
            await fleet.everyoneExcused(from: from, kind: fault.kind)
        case .terminate:
            // The clusters' connections (the harness's own are named baton-chaos).
            _ = try? await broker.pool.withConnection { connection in
                try await connection.query("""
                    SELECT pg_terminate_backend(pid) FROM (
                        SELECT pid FROM pg_stat_activity
                        WHERE application_name = 'baton' AND datname = current_database() ORDER BY random() LIMIT $1
                    ) AS chosen
                    """, fault.count)
            }
        case .busy:
            // One loop a core, each ended by timeout(1) even if this process dies first.
            let seconds = String(format: "%.1f", fault.length.seconds)
            for _ in 0..<ProcessInfo.processInfo.activeProcessorCount {
                _ = try Process.run(URL(fileURLWithPath: "/usr/bin/timeout"),
                                    arguments: ["-s", "KILL", seconds, "/bin/sh", "-c", "while :; do :; done"])
            }
        case .partition:
            guard let partition else { return }
            let pid = await fleet.cutOff()
            let from = Date()
            try partition.setLink(up: false)
            try await Task.sleep(for: fault.length)
            try partition.setLink(up: true)
            let linkUp = Date()
            state.withLock { $0.down.append((from, linkUp, true)) }
            let watch = Task { await self.watchRecovery(of: pid, cutOffAt: from, linkUp: linkUp) }
            recoveries.withLock { $0.watching.append(watch) }
        }
    }

    /// Waits until the cluster cut off has renewed its leases again (its heartbeat shows in
    /// `baton.clusters`), which excuses what it ran twice until a lease after that; says how
    /// long it took. Connections the partition stalled stay stalled after the link is back
    /// (TCP backs off for seconds): the heartbeat has to give them up and use new ones.
    private func watchRecovery(of pid: Int32, cutOffAt from: Date, linkUp: Date) async {
        let deadline = ContinuousClock.now + Self.recoveryWait
        var back: Date?
        while back == nil && ContinuousClock.now < deadline {
            let seen = try? await broker.pool.withConnection { connection in
                try await connection.query(
                    "SELECT extract(epoch FROM max(seen_at))::float8 AS at FROM baton.clusters WHERE name LIKE $1",
                    "%:\(pid):%")[0].decode("at", as: Double?.self)
            }
            if let seen = seen ?? nil, seen > linkUp.timeIntervalSince1970 { back = Date() }
            else { try? await Task.sleep(for: .milliseconds(50)) }
        }
        let until = (back ?? linkUp.addingTimeInterval(Self.recoveryWait.seconds)).addingTimeInterval(lease.seconds)
        await fleet.excused(pid, from: from, until: until, kind: .partition)
        // A cluster that exited meanwhile (it may, for its supervisor) has nothing to renew.
        guard await fleet.pids.contains(pid) else { return }
        recoveries.withLock { $0.seen.append((pid, linkUp, back)) }
    }

    /// Waits for the partitions' watchers; returns how long each cut-off cluster took to renew
    /// its leases after its link came back (nil: not within `recoveryWait`). Left out: those
    /// another fault held up meanwhile (the cluster stopped, the database down).
    func recoveryTimes() async -> [Duration?] {
        for watch in recoveries.withLock({ $0.watching }) { await watch.value }
        let excuses = await fleet.excuses
        return recoveries.withLock { $0.seen }.compactMap { recovery in
            let end = recovery.back ?? recovery.linkUp.addingTimeInterval(Self.recoveryWait.seconds)
            let heldUp = excuses.contains { excuse in
                excuse.kind != .partition && (excuse.pid == nil || excuse.pid == recovery.pid)
                    && excuse.from <= end && excuse.until >= recovery.linkUp
            }
            return heldUp ? nil : .some(recovery.back.map { .seconds($0.timeIntervalSince(recovery.linkUp)) })
        }
    }

    private func scriptsDB(_ arguments: [String]) throws {
        var environment = ProcessInfo.processInfo.environment
        for variable in ["BATON_DATABASE_URL", "DATABASE_URL", "PGHOST"] { environment[variable] = nil }
        let run = try TestDatabase.runWithStatus(
            TestDatabase.repositoryRoot.appendingPathComponent("scripts/db").path, arguments, environment: environment)
        guard run.status == 0 else { throw TestSupportError("scripts/db \(arguments.joined(separator: " ")): \(run.error)") }
    }
}
