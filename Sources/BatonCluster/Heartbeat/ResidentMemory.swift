#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// This process's resident memory (RSS), as `baton info` shows it for each cluster.
enum ResidentMemory {
    /// Bytes resident now, from /proc/self/statm; nil where it cannot be read.
    static func bytes() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
