import Foundation

/// What a running process does with a signal, read from `/proc/PID/status`.
public enum SignalDisposition: Equatable, Sendable {
    case standard, ignored, caught

    /// The disposition of `signal` in process `pid`; nil when the process is gone.
    public static func of(_ signal: Int32, in pid: Int32) -> SignalDisposition? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        func has(_ field: String) -> Bool {
            let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") }
            let mask = line.flatMap { UInt64($0.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces), radix: 16) }
            return (mask ?? 0) & (1 << UInt64(signal - 1)) != 0
        }
        return has("SigCgt") ? .caught : has("SigIgn") ? .ignored : .standard
    }
}
