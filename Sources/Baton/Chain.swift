import Synchronization

/// A chain built link by link, then run. django-q's `Chain`.
///
/// ```swift
/// let chain = Chain(cached: true)
/// chain.append("math.copysign", 1, -1)
/// chain.append("math.floor", 1)
/// try await chain.run()
/// print(try await chain.result())   // [-1.0, 1]
/// ```
public final class Chain: Sendable {
    private struct State {
        var links: [ChainLink]
        var groupID: String?
    }

    private let state: Mutex<State>
    public let group: String?
    public let cached: Caching?
    public let sync: Bool?
    public let policy: ChainPolicy
    /// Attempts each link gets, the first retry's delay, and one attempt's time limit.
    public let maxAttempts: Int?
    public let retryDelay: Duration?
    public let timeout: Duration?
    /// The hook each link calls unless it names its own, and whether successes are kept.
    public let hook: String?
    public let save: Bool
    /// The queue of each link whose options name none.
    public let queue: String
    public let broker: Broker?
    /// The links, in order.
    public var links: [ChainLink] { state.withLock { $0.links } }

    /// The chain's group id once it has run.
    public var groupID: String? { state.withLock { $0.groupID } }

    public init(
        chain: [ChainLink] = [], group: String? = nil, cached: Caching? = nil, sync: Bool? = nil,
        policy: ChainPolicy = .stop, maxAttempts: Int? = nil, retryDelay: Duration? = nil, timeout: Duration? = nil,
        hook: String? = nil, save: Bool = true, queue: String = QueueName.default, broker: Broker? = nil
    ) {
        self.state = Mutex(State(links: chain))
        self.group = group
        self.cached = cached
        self.sync = sync
        self.policy = policy
        self.maxAttempts = maxAttempts
        self.retryDelay = retryDelay
        self.timeout = timeout
        self.hook = hook
        self.save = save
        self.queue = queue
        self.broker = broker
    }

    /// Adds a task, with options of its own (django-q's `q_options`); returns the chain's new length.
    @discardableResult
    public func append(
        _ function: String, _ args: JSONValue..., kwargs: [String: JSONValue] = [:], options: LinkOptions = LinkOptions()
    ) -> Int {
        state.withLock { state in
            state.links.append(ChainLink(function, args: args, kwargs: kwargs, options: options))
            return state.links.count
        }
    }

    /// Enqueues the chain (in the caller's transaction when given); returns its group id.
    @discardableResult
    public func run(in transaction: Transaction? = nil) async throws -> String {
        let id = try await resolve(broker).asyncChain(
            links, group: group, cached: cached, sync: sync, policy: policy, maxAttempts: maxAttempts,
            retryDelay: retryDelay, timeout: timeout, hook: hook, save: save, queue: queue, in: transaction)
        state.withLock { $0.groupID = id }
        return id
    }

    /// The results of the links in chain order, once the chain has finished: waits until
    /// then, as django-q's `chain.result()` does (the `stop` policy records the links after a
    /// failed one as cancelled, so a chain always finishes). Failed links are left out.
    /// - Throws: `BatonError.invalidArgument` before `run()`.
    public func result() async throws -> [JSONValue] {
        _ = try ranGroupID()
        return try await result(wait: .forever) ?? []
    }

    /// The results of the links in chain order once the chain has finished, waiting at most
    /// `wait` (`.none` waits as long as it takes, as django-q's `wait=0`). When the wait runs
    /// out, the results so far. nil before `run()` (as in django-q), or when there are none.
    public func result(wait: Wait) async throws -> [JSONValue]? {
        guard let groupID else { return nil }
        return try await resolve(broker).resultGroup(groupID, wait: wait, count: links.count)
    }

    /// The task records of the links once the chain has finished; waits until then.
    /// - Throws: `BatonError.invalidArgument` before `run()`.
    public func fetch(failures: Bool = true) async throws -> [TaskRecord] {
        _ = try ranGroupID()
        return try await fetch(failures: failures, wait: .forever) ?? []
    }

    /// The task records of the links, waiting as `result(wait:)` does; nil before `run()`.
    public func fetch(failures: Bool = true, wait: Wait) async throws -> [TaskRecord]? {
        guard let groupID else { return nil }
        return try await resolve(broker).fetchGroup(groupID, failures: failures, wait: wait, count: links.count)
    }

    /// The position of the link running now (or next to run); the length once all finished;
    /// nil before `run()`, as django-q's `current()`.
    public func current() async throws -> Int? {
        guard let groupID else { return nil }
        let row = try await resolve(broker).query(ChainSQL.current, groupID, links.count)[0]
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
