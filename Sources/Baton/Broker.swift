import LibPQ
import Logging
import Synchronization

/// The database Baton queues in: a connection pool, the task functions `sync` runs, and
/// the process's one listening connection. django-q's `broker`.
///
/// Most programs use `Broker.shared()`, made from the environment (`BATON_DATABASE_URL`,
/// `DATABASE_URL`, then libpq's `PG*` variables); pass another as `broker:` to use it.
public final class Broker: Sendable {
    public let configuration: ConnectionConfiguration
    public let pool: ConnectionPool
    /// The functions `sync: true` runs in the calling process.
    public let registry: TaskRegistry
    /// The most JSON a task's arguments (args and kwargs together) may take, in bytes.
    /// Larger ones are refused at enqueue, before anything is written.
    public let maxArgumentBytes: Int
    let hub: NotificationHub
    let wakeups: WakeupSender
    /// Whether bulk enqueues may COPY (no row policy binds this broker's role); nil until asked.
    let copyAllowed = Mutex<Bool?>(nil)

    /// 64 MiB: well under PostgreSQL's own limit for one jsonb value, and more than a queue should carry.
    public static let defaultMaxArgumentBytes = 64 << 20

    /// How this process hears of queued and finished work.
    public let listening: Listening

    /// Receivers called around each task: django-q's signals and error reporter.
    public let signals = TaskSignals()

    /// What an enqueue call that does not say gets: django-q's `Q_CLUSTER` settings.
    public let defaults: TaskDefaults

    /// Where the broker reports what goes wrong in this process: a failing hook of a `sync` task.
    public let logger: Logger

    /// Whether enqueues and attempts make spans (docs/tracing.md); off by default.
    public let tracing: TaskTracing

    /// - Parameters:
    ///   - listening: LISTEN on the same database unless said otherwise; nil: as the
    ///     environment says (`BATON_LISTEN_URL`; polling when statements are unprepared).
    ///   - tracing: `.system` or `.tracer(_:)` for spans of enqueues and attempts.
    public init(
        configuration: ConnectionConfiguration, registry: TaskRegistry = .stock, maxConnections: Int = 10,
        maxArgumentBytes: Int = Broker.defaultMaxArgumentBytes, listening: Listening? = nil,
        defaults: TaskDefaults = TaskDefaults(), logger: Logger = Logger(label: "baton"), tracing: TaskTracing = .off
    ) {
        self.configuration = configuration
        self.tracing = tracing
        self.defaults = defaults
        self.logger = logger
        self.registry = registry
        self.maxArgumentBytes = maxArgumentBytes
        let listening = listening ?? (try? DatabaseSettings.listening(for: configuration)) ?? .direct(configuration)
        self.listening = listening
        pool = ConnectionPool(configuration: configuration, maxConnections: maxConnections)
        hub = NotificationHub(listening: listening)
        wakeups = WakeupSender(pool: pool)
    }

    /// A broker for the database the environment names, with the defaults (`TaskDefaults`)
    /// and the tracing (`BATON_TRACING`) it sets.
    public static func fromEnvironment(registry: TaskRegistry = .stock) throws -> Broker {
        Broker(configuration: try DatabaseSettings.fromEnvironment(), registry: registry,
               defaults: try TaskDefaults.fromEnvironment(), tracing: try TaskTracing.fromEnvironment())
    }

    private static let sharedBroker = Mutex<Broker?>(nil)

    /// The process's default broker, made from the environment on first use.
    public static func shared() throws -> Broker {
        try sharedBroker.withLock { broker in
            if let broker { return broker }
            let made = try fromEnvironment()
            broker = made
            return made
        }
    }

    /// Runs `body` with a broker of its own, closed when `body` ends, however it ends.
    public static func with<R>(
        configuration: ConnectionConfiguration, registry: TaskRegistry = .stock, maxConnections: Int = 10,
        defaults: TaskDefaults = TaskDefaults(), listening: Listening? = nil, tracing: TaskTracing = .off,
        _ body: (Broker) async throws -> R
    ) async throws -> R {
        let broker = Broker(
            configuration: configuration, registry: registry, maxConnections: maxConnections, listening: listening,
            defaults: defaults, tracing: tracing)
        do {
            let value = try await body(broker)
            await broker.close()
            return value
        } catch {
            await broker.close()
            throw error
        }
    }

    /// Stops listening and closes the pool's connections.
    public func close() async {
        await wakeups.flush()
        await hub.close()
        await pool.close()
    }

    /// Runs an enqueueing statement whose last parameter says whether it should NOTIFY:
    /// in the caller's transaction (whose commit then wakes the workers), else on a pooled
    /// connection, waking the workers after it commits.
    func enqueue(
        _ statement: PreparedStatement, _ parameters: [any SQLEncodable], in transaction: Transaction?
    ) async throws -> QueryResult {
        if let transaction { return try await transaction.query(statement, parameters + [true]) }
        // Pipelines are kept from poolers (unprepared statements say one is in between).
        if configuration.preparedStatements, wakeups.takeInlineTurn() {
            let results = try await pool.withConnection { connection in
                try await connection.pipeline([(statement, parameters + [false]), (WakeupSender.notify, [])])
            }
            return try results[0].get()
        }
        let result = try await pool.withConnection { connection in
            try await connection.query(statement, parameters + [false])
        }
        wakeups.request()
        return result
    }
}

/// The broker a call names, or the shared one.
func resolve(_ broker: Broker?) throws -> Broker {
    try broker ?? Broker.shared()
}
