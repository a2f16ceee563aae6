import Baton
import Foundation

/// The memory of a `baton cluster` process working through a large queue: its resident
/// set, read from /proc every 50 ms, as it finishes the first tenth and then all of it.
struct ClusterMemory {
    let configuration: ConnectionConfiguration
    let workers: Int
    let prefetch: Int?

    /// Queues `count` no-op tasks, runs `baton cluster` (this executable) on them:
    /// the peak RSS in MB over the first tenth and over all, and the rate in tasks/s.
    func measure(_ count: Int, progress: (String) -> Void) async throws -> (firstTenth: Double, all: Double, rate: Double) {
        try await Broker.with(configuration: configuration, maxConnections: 2) { broker in
            progress("cluster memory: queueing \(count) tasks")
            try await Workloads(configuration: configuration, workers: workers, prefetch: prefetch).fill(broker, to: count)
            let started = ContinuousClock.now
            let process = try ClusterProcess.start(on: configuration, workers: workers, prefetch: prefetch)
            defer { ClusterProcess.stop([process]) }
            var peak = 0.0
            var firstTenth: Double?
            // RSS every 50 ms; progress every 20th time, as counting the queue is not free.
            for sample in 1... {
                try await Task.sleep(for: .milliseconds(50))
                guard process.isRunning else {
                    throw BatonError(code: .taskFailed, message: "baton cluster exited with status \(process.terminationStatus)")
                }
                peak = max(peak, residentMegabytes(of: process.processIdentifier))
                guard sample % 20 == 0 || firstTenth == nil else { continue }
                let left = try await broker.pool.withConnection { connection in
                    try await connection.query(BenchSQL.queued)[0].decode(0, as: Int.self)
                }
                if firstTenth == nil, left <= count - count / 10 { firstTenth = peak }
                if left == 0 { break }
                progress("cluster memory: \(count - left) of \(count) done, peak \(Int(peak)) MB")
            }
            let elapsed = ContinuousClock.now - started
            ClusterProcess.stop([process])
            try await Workloads(configuration: configuration, workers: workers, prefetch: prefetch).empty(broker)
            return (firstTenth ?? peak, peak, Measure.rate(count, in: elapsed))
        }
    }

    /// VmRSS of a process, in MB (1,048,576 bytes).
    private func residentMegabytes(of pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) })
        else { return 0 }
        return kilobytes / 1024
    }
}
