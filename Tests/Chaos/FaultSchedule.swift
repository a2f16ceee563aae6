import Baton
import Foundation

/// The faults a chaos run injects.
enum FaultKind: String, CaseIterable, Sendable {
    case kill = "kill -9 and restart"
    case stop = "SIGSTOP past a lease, SIGCONT"
    case term = "SIGTERM and restart"
    case databaseRestart = "PostgreSQL stopped -m immediate, started at once"
    case databaseDown = "PostgreSQL stopped -m immediate past a lease"
    case terminate = "pg_terminate_backend of Baton connections"
    case busy = "both cores busy"
    case partition = "cluster cut off from the database"
}

/// One fault: what, when (from the start of the run), which cluster, for how long.
struct Fault: Sendable, CustomStringConvertible {
    let at: Duration
    let kind: FaultKind
    let cluster: Int
    let length: Duration
    /// Connections terminated, for `.terminate`.
    let count: Int

    var description: String {
        let when = String(format: "%7.2f s", at.seconds)
        switch kind {
        case .kill, .term: return "\(when)  \(kind.rawValue): cluster \(cluster)"
        case .stop, .partition: return "\(when)  \(kind.rawValue): cluster \(cluster) for \(String(format: "%.1f", length.seconds)) s"
        case .databaseRestart: return "\(when)  \(kind.rawValue)"
        case .databaseDown, .busy: return "\(when)  \(kind.rawValue) for \(String(format: "%.1f", length.seconds)) s"
        case .terminate: return "\(when)  \(kind.rawValue): \(count)"
        }
    }
}

/// A run's faults, drawn from its seed alone: the same seed gives the same schedule.
enum FaultSchedule {
    static func make(seed: UInt64, duration: Duration, clusters: Int, lease: Duration, kinds: [FaultKind]) -> [Fault] {
        var random = SeededRandom(seed: seed)
        var faults: [Fault] = []
        var at = Duration.seconds(3)
        // Faults stop a few seconds before the end, so the last one has ended when the run checks.
        let end = duration - .seconds(5)
        while !kinds.isEmpty {
            at += .milliseconds(Int.random(in: 1_000...5_000, using: &random))
            guard at < end else { break }
            let kind = kinds.randomElement(using: &random)!
            // Only cluster 0 lives in the namespace a partition cuts off.
            let drawn = Int.random(in: 0..<clusters, using: &random)
            let cluster = kind == .partition ? 0 : drawn
            let past = lease * Double.random(in: 1.3...2.5, using: &random)
            let length: Duration = switch kind {
            case .stop, .databaseDown, .partition: past
            case .busy: .milliseconds(Int.random(in: 3_000...8_000, using: &random))
            default: .zero
            }
            faults.append(Fault(at: at, kind: kind, cluster: cluster, length: length,
                                count: Int.random(in: 1...6, using: &random)))
            // Faults follow one another; a busy machine goes on under the next ones.
            if kind != .busy { at += length }
        }
        return faults
    }
}

/// SplitMix64: small, fast and the same on every machine, for schedules that replay.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Prints a line at once, also when the output is a pipe (CI's log).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
