/// Whether the fetcher claims now, and how many tasks: a pure value, tested without a
/// database. It claims in batches, when the local queue runs low, rather than a task or two
/// each time a worker takes one; not while many outcomes wait to be written (they hold
/// their leases); and only when the queue may hold work (news arrived, or the last claim
/// filled up) or a look is due (a delayed retry, the idle check).
struct ClaimDecision: Equatable {
    let workers: Int
    /// Tasks to hold beyond the free workers (`Prefetch.depth`).
    let depth: Int
    /// Tasks running now.
    let running: Int
    /// Tasks claimed and waiting in the local queue.
    let waiting: Int
    /// Outcomes not yet written (`Completer.backlog`).
    let unwritten: Int
    let queueMayHaveMore: Bool
    let lookIsDue: Bool

    /// The most outcomes waiting to be written for a claim to go out: four batches.
    static let unwrittenLimit = 4 * Completer.maxBatch

    /// How many to claim now; nil: not now.
    var claim: Int? {
        let capacity = workers + depth
        let room = capacity - running - waiting
        let runningLow = waiting < workers || room * 2 >= capacity
        guard room > 0, runningLow, unwritten < Self.unwrittenLimit, queueMayHaveMore || lookIsDue else { return nil }
        return room
    }
}
