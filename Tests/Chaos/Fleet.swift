import Foundation
import TestSupport

/// The clusters of a chaos run, one `baton-test-worker` process per slot, and what each
/// process went through: when it was killed, stopped or cut off. A task may run on two
/// clusters at once only when the first was one of those at the time.
actor Fleet {
    /// A time window in which a process could not renew its leases through no fault of Baton's.
    struct Excuse: Sendable {
        let pid: Int32?
        let from: Date
        var until: Date
        let kind: FaultKind
    }

    /// How slot 0 runs when it lives in a network namespace: the command's wrapper and its environment.
    struct Inside: Sendable {
        let partition: Partition
        let environment: [String: String]
    }

    let arguments: [String]
    let environment: [String: String]
    let inside: Inside?
    let logs: URL
    let lease: Duration
    private(set) var processes: [Process] = []
    private(set) var excuses: [Excuse] = []
    private(set) var deaths: [Int32: Date] = [:]
    private(set) var started = 0
    private(set) var failedStops: [String] = []
    /// Each process's log, for the messages about it.
    private var logFiles: [Int32: String] = [:]

    init(arguments: [String], environment: [String: String], inside: Inside?, logs: URL,
         lease: Duration) throws {
        self.arguments = arguments
        self.environment = environment
        self.inside = inside
        self.logs = logs
        self.lease = lease
    }

    /// Starts the clusters.
    func start(count: Int) throws {
        for slot in 0..<count {
            let (process, log) = try launch(slot)
            processes.append(process)
            logFiles[process.processIdentifier] = log
        }
        started = count
    }

    /// Starts slot's cluster: slot 0 inside the namespace when there is one.
    nonisolated private func launch(_ slot: Int) throws -> (Process, log: String) {
        let log = logs.appendingPathComponent(TestDatabase.uniqueName("cluster-\(slot)") + ".log")
        guard slot == 0, let inside else {
            let process = try Binaries.start("baton-test-worker", arguments, environment: environment, log: log)
            return (process, log.lastPathComponent)
        }
        let (program, wrapped) = inside.partition.wrap(try Binaries.path("baton-test-worker"), arguments)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = wrapped
        process.environment = inside.environment
        process.standardOutput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        return (process, log.lastPathComponent)
    }

    /// The process of the cluster inside the namespace, the one a partition cuts off.
    func cutOff() -> Int32 {
        processes[0].processIdentifier
    }

    var pids: [Int32] { processes.map(\.processIdentifier) }

    func kill(_ slot: Int) throws {
        let process = processes[slot]
        let now = Date()
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        deaths[process.processIdentifier] = now
        excuses.append(Excuse(pid: process.processIdentifier, from: now, until: .distantFuture, kind: .kill))
        try replace(slot)
    }

    /// SIGSTOP for `length`, then SIGCONT.
    func stop(_ slot: Int, for length: Duration) async throws {
        let pid = processes[slot].processIdentifier
        let from = Date()
        Foundation.kill(pid, SIGSTOP)
        try await Task.sleep(for: length)
        Foundation.kill(pid, SIGCONT)
        excuses.append(Excuse(pid: pid, from: from, until: Date().addingTimeInterval(lease.seconds), kind: .stop))
    }

    /// SIGTERM, then a fresh process once it has exited: it must exit 0 within its grace.
    func term(_ slot: Int, grace: Duration) async throws {
        let process = processes[slot]
        try await sendStop(to: process)
        let deadline = ContinuousClock.now + grace + lease * 2 + .seconds(5)
        while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            failedStops.append("\(describe(process)) did not exit after SIGTERM; "
                + "its threads' stacks: \(dumpStacks(of: process.processIdentifier))")
            try kill(slot)
            return
        }
        if process.terminationStatus != 0 {
            failedStops.append("\(describe(process)) exited \(process.terminationStatus) after SIGTERM")
        }
        deaths[process.processIdentifier] = Date()
        try replace(slot)
    }

    /// A window in which every cluster was cut off from the database (it was down).
    func everyoneExcused(from: Date, kind: FaultKind) {
        excuses.append(Excuse(pid: nil, from: from, until: Date().addingTimeInterval(lease.seconds), kind: kind))
    }

    func excused(_ pid: Int32, from: Date, until: Date, kind: FaultKind) {
        excuses.append(Excuse(pid: pid, from: from, until: until, kind: kind))
    }

    struct Exit: Sendable {
        let pid: Int32
        let slot: Int
        let status: Int32
        let at: Date
    }

    /// Restarts, as a supervisor would, the processes that exited unasked; returns them.
    func supervise() throws -> [Exit] {
        var exits: [Exit] = []
        for (slot, process) in processes.enumerated() where !process.isRunning {
            exits.append(Exit(pid: process.processIdentifier, slot: slot, status: process.terminationStatus, at: Date()))
            deaths[process.processIdentifier] = Date()
            try replace(slot)
        }
        return exits
    }

    /// Stops every cluster with SIGTERM; returns the ones that did not exit 0 in time.
    func stopAll(grace: Duration) async throws -> [String] {
        var problems: [String] = []
        for process in processes { try await sendStop(to: process) }
        for process in processes {
            let deadline = ContinuousClock.now + grace + .seconds(10)
            while process.isRunning && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning {
                problems.append("\(describe(process)) did not exit after SIGTERM; "
                    + "its threads' stacks: \(dumpStacks(of: process.processIdentifier))")
                Foundation.kill(process.processIdentifier, SIGKILL)
            } else if process.terminationStatus != 0 {
                problems.append("\(describe(process)) exited \(process.terminationStatus) after SIGTERM")
            }
        }
        return problems + failedStops
    }

    /// SIGTERM once the process catches it: before its `main` has run, a process can only die
    /// of it, as any program would. One that does not catch it within 10 s is a violation.
    private func sendStop(to process: Process) async throws {
        let pid = process.processIdentifier
        let caught = try await waitUntil(.seconds(10)) {
            !process.isRunning || SignalDisposition.of(SIGTERM, in: pid) == .caught
        }
        if !caught { failedStops.append("\(describe(process)) did not catch SIGTERM within 10 s of its start") }
        Foundation.kill(pid, SIGTERM)
    }

    private func describe(_ process: Process) -> String {
        "cluster pid \(process.processIdentifier) (log \(logFiles[process.processIdentifier] ?? "unknown"))"
    }

    func killAll() {
        for process in processes where process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    }

    /// Writes every thread's stack of a process that hangs (gdb, when installed) beside the logs.
    private func dumpStacks(of pid: Int32) -> String {
        let file = logs.appendingPathComponent("stacks-\(pid).txt")
        guard let run = try? TestDatabase.runWithStatus(
            "/usr/bin/timeout", ["30", "gdb", "-p", "\(pid)", "-batch", "-ex", "thread apply all bt"]),
            (try? run.output.write(to: file, atomically: true, encoding: .utf8)) != nil
        else { return "gdb is not available" }
        return file.path
    }

    private func replace(_ slot: Int) throws {
        let (process, log) = try launch(slot)
        processes[slot] = process
        logFiles[process.processIdentifier] = log
        started += 1
    }
}
