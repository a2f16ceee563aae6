import Baton
import Foundation
import TestSupport

/// One chaos run, from an empty database to the report.
struct ChaosRun {
    let seed: UInt64
    let duration: Duration
    let clusters: Int
    let workers: Int
    let lease: Duration
    let grace: Duration
    let schedule: [Fault]
    let partition: Partition?

    struct Report {
        var violations: [String] = []
        var text = ""
    }

    func run() async throws -> Report {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestDatabase.uniqueName("chaos"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let attemptLog = folder.appendingPathComponent("attempts.log")
        var report = Report()
        try await TestDatabase.withTemporaryDatabase { configuration in
            let connection = try await Connection.connect(configuration)
            try await Migrator().migrate(on: connection)
            await connection.close()
            var environment = ProcessInfo.processInfo.environment
            environment["BATON_DATABASE_URL"] = configuration.conninfoForChildProcess
            environment["BATON_ATTEMPT_LOG"] = attemptLog.path
            let arguments = ["--workers", "\(workers)", "--lease", "\(lease.seconds)", "--grace", "\(grace.seconds)"]
            var inside: Fleet.Inside?
            var forwarder: Forwarder?
            if let partition {
                let through = try Forwarder(listenOn: partition.hostAddress, to: configuration.localPort)
                var innerEnvironment = environment
                innerEnvironment["BATON_DATABASE_URL"] = configuration.conninfoForChildProcess
                    + " host=\(partition.hostAddress) port=\(through.port) connect_timeout=3"
                inside = Fleet.Inside(partition: partition, environment: innerEnvironment)
                forwarder = through
            }
            defer { _ = forwarder; partition?.tearDown() }
            let fleet = try Fleet(arguments: arguments, environment: environment, inside: inside, logs: folder, lease: lease)
            try await fleet.start(count: clusters)
            let broker = Broker(configuration: configuration.with(applicationName: "baton-chaos"), maxConnections: 8)
            do {
                report = try await drive(fleet: fleet, broker: broker, attemptLog: attemptLog, configuration: configuration)
            } catch {
                await fleet.killAll()
                await broker.close()
                throw error
            }
            await broker.close()
        }
        say("chaos: cluster logs in \(folder.path)")
        return report
    }

    private func drive(fleet: Fleet, broker: Broker, attemptLog: URL, configuration: ConnectionConfiguration) async throws -> Report {
        let start = ContinuousClock.now
        let workload = Workload(broker: broker, seed: seed)
        let load = Task { await workload.run(until: start + duration) }
        let injector = FaultInjector(fleet: fleet, broker: broker, lease: lease, grace: grace, partition: partition,
                                     configuration: configuration)
        var unaskedExits: [Fleet.Exit] = []
        var harnessErrors: [String] = []
        for fault in schedule {
            while ContinuousClock.now < start + fault.at {
                unaskedExits += try await fleet.supervise()
                try await Task.sleep(for: .milliseconds(50))
            }
            say("chaos: \(fault.description)")
            do {
                try await injector.inject(fault)
            } catch {
                // The harness could not carry the fault out (not a violation of Baton's); the run goes on.
                say("chaos: the fault could not be injected: \(error)")
                harnessErrors.append("\(fault.description): \(error)")
            }
        }
        await load.value
        let lastFault = ContinuousClock.now
        say("chaos: workload done; waiting for the queue to drain")
        // Drained: nothing left but tasks no worker can run.
        let bound = lease + .seconds(20)
        var drained: Duration?
        while ContinuousClock.now < lastFault + bound + .seconds(60) {
            unaskedExits += try await fleet.supervise()
            let left = try? await number(broker, "SELECT count(*) FROM baton.tasks WHERE func NOT LIKE 'nobody.has.%'")
            if left == 0 {
                drained = ContinuousClock.now - lastFault
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let expected = await workload.finishWaiters(within: .seconds(10))
        var violations: [String] = []
        if let drained, drained > bound {
            violations.append("the queue drained \(drained.seconds) s after the last fault, past the bound of \(bound.seconds) s")
        } else if drained == nil {
            let left = try await number(broker, "SELECT count(*) FROM baton.tasks WHERE func NOT LIKE 'nobody.has.%'")
            violations.append("the queue did not drain: \(left) tasks left")
        }
        let checks = Checks(broker: broker, expected: expected)
        violations += try await checks.results()
        violations += try await checks.chains()
        let (scheduleViolations, scheduleRuns) = try await checks.schedules()
        let (uniqueViolations, uniqueTasks) = try await checks.uniqueKeys()
        let (cancelViolations, cancelled) = try await checks.cancellations(log: attemptLog, excuses: await fleet.excuses)
        violations += scheduleViolations + uniqueViolations + cancelViolations
        violations += expected.wrongWaiters
        // A cluster may exit when it cannot reach the database to start (its supervisor starts it
        // again); any other exit is a violation, and so is any exit but with status 1.
        let crashes = unaskedExits.filter { exit in
            exit.status != 1 || !injector.databaseWasUnreachable(at: exit.at, slot: exit.slot)
        }
        violations += crashes.map { "cluster pid \($0.pid) exited with status \($0.status) unasked" }

        // Dead clusters are forgotten within three leases.
        try await Task.sleep(for: lease * 3 + .seconds(2))
        let live = await fleet.pids
        let names: [String] = try await broker.pool.withConnection { connection in
            try await connection.query("SELECT name FROM baton.clusters").map { try $0.decode(0) }
        }
        let dead = names.filter { name in !live.contains { name.contains(":\($0):") } }
        violations += dead.map { "baton.clusters still lists dead cluster \($0)" }
        violations += try await fleet.stopAll(grace: grace)
        let leftRows = try await number(broker, "SELECT count(*) FROM baton.clusters")
        if leftRows > 0 { violations.append("\(leftRows) clusters still listed after every cluster stopped") }

        // A cluster cut off renews its leases within a lease of its link coming back.
        let recoveries = await injector.recoveryTimes()
        for (index, recovery) in recoveries.enumerated() {
            if let recovery, recovery <= lease { continue }
            violations.append("after partition \(index + 1) the cut-off cluster renewed its leases "
                + (recovery.map { "only \(String(format: "%.2f", $0.seconds)) s" } ?? "not within \(FaultInjector.recoveryWait.seconds) s")
                + " after its link came back (bound: a lease, \(lease.seconds) s)")
        }
        let (attemptViolations, attempts, excused) = try Checks.attempts(
            log: attemptLog, excuses: await fleet.excuses, deaths: await fleet.deaths,
            rolledBack: expected.rolledBackTokens)
        violations += attemptViolations

        var text = "chaos: figures\n"
        text += "  seed \(seed); \(duration.seconds) s of workload on \(clusters) clusters (\(await fleet.started) processes started)\n"
        text += "  faults injected: \(injector.counts.isEmpty ? "none" : injector.counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) × \($0.value)" }.joined(separator: "; "))\n"
        let results = try await number(broker, "SELECT count(*) FROM baton.results")
        text += "  tasks checked: \(expected.tasks.count) (\(results) results, \(expected.chains.count) chains, \(expected.rolledBack.count) rolled back, \(expected.waiters) waiters); enqueue calls refused by faults: \(expected.failedEnqueues)\n"
        text += "  schedules: \(expected.schedules.count), \(scheduleRuns) due times fired; unique-key tasks: \(uniqueTasks) "
            + "under \(Workload.uniqueKeys) keys; tasks cancelled: \(cancelled) of \(expected.cancelTokens.count) asked\n"
        text += "  attempts logged: \(attempts); overlapping runs excused by a kill, stop, partition or outage: \(excused)\n"
        let back = recoveries.compactMap { $0?.seconds }.sorted()
        if !recoveries.isEmpty {
            text += "  leases renewed after a partition's link came back: \(back.isEmpty ? "never" : String(format: "median %.2f s, slowest %.2f s", back[back.count / 2], back.last!)) (\(recoveries.count) partitions)\n"
        }
        text += "  drained \(drained.map { String(format: "%.2f s", $0.seconds) } ?? "never") after the last fault (bound \(bound.seconds) s)\n"
        if !harnessErrors.isEmpty { text += "  faults the harness could not inject: \(harnessErrors.count)\n" }
        text += "  violations: \(violations.count)\n"
        for violation in violations.prefix(30) { text += "    \(violation)\n" }
        return Report(violations: violations, text: text)
    }

    private func number(_ broker: Broker, _ sql: String) async throws -> Int {
        try await broker.pool.withConnection { try await $0.query(sql)[0].decode(0, as: Int.self) }
    }
}
