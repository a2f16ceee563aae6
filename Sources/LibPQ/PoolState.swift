/// The decisions of a connection pool, without any I/O: who gets which connection, when
/// to open a new one, who waits. `ConnectionPool` carries out what it returns.
struct PoolState<Resource> {
    enum LeaseAction {
        /// Use this idle connection.
        case use(Resource)
        /// Open a new connection for the caller (a slot is reserved for it).
        case open
        /// Wait in line until a connection is released.
        case wait
        /// The pool is closed.
        case closed
    }

    enum ReleaseAction {
        /// Hand the released connection to this waiter.
        case hand(Resource, to: Int)
        /// Open a new connection for this waiter, in place of a broken one.
        case open(for: Int)
        /// Close the connection: it is broken, or the pool is closed.
        case close(Resource)
        /// Nothing to do: the connection went back to the idle list.
        case none
    }

    let maxConnections: Int
    private(set) var idle: [Resource] = []
    /// Connections open or being opened, idle or in use.
    private(set) var openCount = 0
    private(set) var waiters: [Int] = []
    private(set) var isClosed = false

    init(maxConnections: Int) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.maxConnections = maxConnections
    }

    /// A caller wants a connection; `waiter` names it should it have to wait.
    mutating func lease(waiter: Int) -> LeaseAction {
        if isClosed { return .closed }
        if let resource = idle.popLast() { return .use(resource) }
        if openCount < maxConnections {
            openCount += 1
            return .open
        }
        waiters.append(waiter)
        return .wait
    }

    /// A caller is done with a connection; `reusable` is false when it broke.
    mutating func release(_ resource: Resource, reusable: Bool) -> ReleaseAction {
        guard reusable, !isClosed else { return replace(resource) }
        if !waiters.isEmpty { return .hand(resource, to: waiters.removeFirst()) }
        idle.append(resource)
        return .none
    }

    /// Opening a connection failed: its slot is free again, perhaps for a waiter.
    mutating func openFailed() -> Int? {
        openCount -= 1
        guard !waiters.isEmpty, !isClosed else { return nil }
        openCount += 1
        return waiters.removeFirst()
    }

    /// A waiter gave up (its task was cancelled); false when it was already served.
    mutating func cancel(waiter: Int) -> Bool {
        guard let index = waiters.firstIndex(of: waiter) else { return false }
        waiters.remove(at: index)
        return true
    }

    /// Takes the idle connections out of the pool, to be closed.
    mutating func takeIdle() -> [Resource] {
        defer {
            openCount -= idle.count
            idle = []
        }
        return idle
    }

    /// Closes the pool: returns the idle connections to close and the waiters to fail.
    mutating func close() -> (idle: [Resource], waiters: [Int]) {
        isClosed = true
        defer {
            openCount -= idle.count
            idle = []
            waiters = []
        }
        return (idle, waiters)
    }

    private mutating func replace(_ resource: Resource) -> ReleaseAction {
        openCount -= 1
        if !waiters.isEmpty, !isClosed {
            openCount += 1
            return .open(for: waiters.removeFirst())
        }
        return .close(resource)
    }
}
