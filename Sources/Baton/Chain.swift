import Synchronization

/// A chain built link by link, then run. django-q's `Chain`.
///
/// ```swift
/// let chain = Chain(cached: true)
/// chain.append("math.copysign", 1, -1)
/// chain.append("math.floor", 1)
/// try await chain.run()
/// print(try await chain.result(wait: .seconds(10)) ?? [])   // [-1.0, 1]
/// ```
public final class Chain: Sendable {
    private struct State {
        var links: [ChainLink]
        var groupID: String?
    }

    private let state: Mutex<State>
    public let group: String?
    public let cached: Caching
    public let sync: Bool
    public let policy: ChainPolicy
    /// Attempts each link gets, the first retry's delay, and one attempt's time limit.
    public let maxAttempts: Int
    public let retryDelay: Duration
    public let timeout: Duration?
    public let broker: Broker?
    /// The links, in order.
    public var links: [ChainLink] { state.withLock { $0.links } }

    /// The chain's group id once it has run.
    public var groupID: String? { state.withLock { $0.groupID } }

    public init(
        chain: [ChainLink] = [], group: String? = nil, cached: Caching = false, sync: Bool = false,
        policy: ChainPolicy = .stop, maxAttempts: Int = 1, retryDelay: Duration = .seconds(1), timeout: Duration? = nil,
        broker: Broker? = nil
    ) {
        self.state = Mutex(State(links: chain))
        self.group = group
        self.cached = cached
        self.sync = sync
        self.policy = policy
        self.maxAttempts = maxAttempts
        self.retryDelay = retryDelay
        self.timeout = timeout
        self.broker = broker
    }

    /// Adds a task; returns the chain's new length.
    @discardableResult
    public func append(_ function: String, _ args: JSONValue..., kwargs: [String: JSONValue] = [:]) -> Int {
        state.withLock { state in
            state.links.append(ChainLink(function, args: args, kwargs: kwargs))
            return state.links.count
        }
    }

    /// Enqueues the chain (in the caller's transaction when given); returns its group id.
    @discardableResult
    public func run(in transaction: Transaction? = nil) async throws -> String {
        let id = try await resolve(broker).asyncChain(
            links, group: group, cached: cached, sync: sync, policy: policy, maxAttempts: maxAttempts,
            retryDelay: retryDelay, timeout: timeout, in: transaction)
        state.withLock { $0.groupID = id }
        return id
    }

    /// The results of the links, in chain order, once every link has finished; nil before.
    public func result(wait: Wait = .none) async throws -> [JSONValue]? {
        try await resolve(broker).resultGroup(try ranGroupID(), wait: wait, count: links.count)
    }

    /// The task records of the links, once every link has finished; nil before.
    public func fetch(failures: Bool = true, wait: Wait = .none) async throws -> [TaskRecord]? {
        try await resolve(broker).fetchGroup(try ranGroupID(), failures: failures, wait: wait, count: links.count)
    }

    /// The position of the link running now (or next to run); the length once all finished.
    public func current() async throws -> Int {
        let row = try await resolve(broker).query(ChainSQL.current, try ranGroupID(), links.count)[0]
        return try row.decode("position")
    }

    /// The number of links.
    public func length() -> Int {
        links.count
    }

    private func ranGroupID() throws -> String {
        guard let groupID else {
            throw BatonError(code: .invalidArgument, message: "the chain has not run yet; call run() first")
        }
        return groupID
    }
}

enum ChainSQL {
    /// The lowest position still in the queue, or the length (tasks_group_position).
    static let current = """
        SELECT coalesce(min(chain_position), $2::integer) AS position
        FROM baton.tasks WHERE group_id = $1 AND state IN ('queued', 'running')
        """
}
