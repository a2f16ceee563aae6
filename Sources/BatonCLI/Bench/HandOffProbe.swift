import Baton
import Synchronization

/// Times chain hand-offs where they happen: `bench.link` notes when each link starts and
/// stops running in this process, so that a hand-off is the wait from link n's function
/// returning to link n+1's function being called, everything between included.
final class HandOffProbe: Sendable {
    private let times = Mutex<[String: (start: ContinuousClock.Instant, stop: ContinuousClock.Instant)]>([:])

    /// The stock functions and `bench.link(chain, position)`, a no-op that notes its times.
    func registry() throws -> TaskRegistry {
        var registry = TaskRegistry.stock
        try registry.register("bench.link") { [self] (chain: Int, position: Int) in
            let start = ContinuousClock.now
            times.withLock { $0["\(chain):\(position)"] = (start, ContinuousClock.now) }
            return position
        }
        return registry
    }

    /// The links of chain `chain`: `bench.link(chain, 0)`, `bench.link(chain, 1)`, ...
    static func links(chain: Int, count: Int) -> [ChainLink] {
        (0..<count).map { ChainLink("bench.link", .int(chain), .int($0)) }
    }

    /// Every hand-off seen: from link n stopped to link n+1 started.
    func handOffs(chains: Int, links: Int) -> [Duration] {
        times.withLock { times in
            (0..<chains).flatMap { chain in
                (1..<links).compactMap { position -> Duration? in
                    guard let previous = times["\(chain):\(position - 1)"], let next = times["\(chain):\(position)"]
                    else { return nil }
                    return next.start - previous.stop
                }
            }
        }
    }
}
