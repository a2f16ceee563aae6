/// Lets at most `limit` tests hold a database of their own at once; the others wait their turn.
///
/// Swift Testing starts every test of a run at once. Two hundred tests each creating a database,
/// migrating it and running a cluster of four workers on a 2-core machine kept PostgreSQL's WAL
/// and checkpoints (each DROP DATABASE forces one) so busy that a two-link chain took 10 s and
/// waits of 10 s ran out. With 16 at a time the slowest wait of make test's parallel pass was
/// 1.1 s (1.3 s with both cores kept busy besides), and the pass took no longer.
actor DatabaseGate {
    static let shared = DatabaseGate(limit: 16)

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        free = limit
    }

    /// Runs `body` once a place is free, and frees it afterwards.
    nonisolated func withPlace<R>(_ body: () async throws -> R) async throws -> R {
        await enter()
        do {
            let value = try await body()
            await leave()
            return value
        } catch {
            await leave()
            throw error
        }
    }

    private func enter() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    /// Hands the place to the longest waiter, if any.
    private func leave() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}
