import CLibPQ
import Foundation

extension ConnectionCore {
    /// Session settings every connection gets, so that values read back the same way
    /// whatever the server's defaults: ISO dates, UTC, floats that round-trip.
    static let sessionSettings = "SET DateStyle = ISO; SET TimeZone = 'UTC'; SET extra_float_digits = 3"

    /// How long a connection attempt may take when neither the URL (`connect_timeout=`) nor
    /// `PGCONNECT_TIMEOUT` says: a server that drops packets is an error after this, not a hang.
    static let defaultConnectTimeout = 10

    /// libpq's settings that notice a dead peer: keepalives after 10 s idle, every 5 s, 3
    /// unanswered; data unacknowledged for 30 s ends the connection.
    static let deadPeerKeywords = [
        ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3"),
        ("tcp_user_timeout", "30000"),
    ]

    /// Opens the connection on this thread without blocking it: the thread waits in `poll()` on
    /// the socket and its eventfd, so that the caller's cancellation ends the attempt at once,
    /// and gives up after the connect timeout. On failure the `PGconn` is freed at once.
    func connect(_ configuration: ConnectionConfiguration) throws {
        self.configuration = configuration
        // TCP keepalives and a user timeout, so that a connection whose peer vanished (a
        // partition, a host gone) fails within about 30 s instead of the system's 15 minutes.
        // Given first, so that the URL's own settings win.
        let keywords = Self.deadPeerKeywords.map(\.0) + ["dbname", "client_encoding", "fallback_application_name"]
            + configuration.overrides.map(\.key)
        let values = Self.deadPeerKeywords.map(\.1) + [configuration.conninfo, "UTF8", "baton"]
            + configuration.overrides.map(\.value)
        let pointer = withCStringArray(keywords) { keywords in
            withCStringArray(values) { values in PQconnectStartParams(keywords, values, 1) }
        }
        guard let pointer else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        let handle = ConnectionHandle(pointer)
        let timeout = configuration.connectTimeout
        let deadline = timeout.map { ContinuousClock.now + .seconds($0) }
        var status = PQstatus(pointer) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING
        while status != PGRES_POLLING_OK && status != PGRES_POLLING_FAILED {
            let socket = PQsocket(pointer)
            // No socket yet (libpq between hosts): let libpq go on at once.
            let ready = socket < 0 ? (wake: false, socket: true)
                : waitFor(socket: socket, writable: status == PGRES_POLLING_WRITING, until: deadline)
            if ready.wake { drainWake() }
            if isCancelRequested { throw CancellationError() }
            if !ready.socket, let deadline, ContinuousClock.now >= deadline {
                throw PostgresError(
                    code: .connectionFailed,
                    message: "could not connect to \(configuration): no answer within \(timeout ?? 0) s "
                        + "(connect_timeout; set it in the URL or PGCONNECT_TIMEOUT)")
            }
            if ready.socket { status = PQconnectPoll(pointer) }
        }
        guard handle.isConnected else {
            let message = configuration.redact(handle.errorMessage)
            let refused = message.contains("Connection refused") || message.contains("No such file or directory")
            throw PostgresError(
                code: refused ? .connectionRefused : .connectionFailed,
                message: "could not connect to \(configuration): \(message)"
            )
        }
        handle.prepareCancel()
        // Notices (`schema already exists, skipping`) are for people at psql, not a program's stderr.
        PQsetNoticeProcessor(handle.pointer, { _, _ in }, nil)
        self.handle = handle
        _ = try run(.script(Self.sessionSettings))
        updateSnapshot()
    }

    /// Blocks in `poll()` until the eventfd or the socket is ready (for reading, or writing
    /// when `writable`), or `deadline` passes.
    private func waitFor(socket: Int32, writable: Bool, until deadline: ContinuousClock.Instant?) -> (wake: Bool, socket: Bool) {
        var descriptors = [
            pollfd(fd: wakeDescriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: socket, events: Int16(writable ? POLLOUT : POLLIN), revents: 0),
        ]
        while true {
            var milliseconds: Int32 = -1
            if let deadline {
                let left = deadline - ContinuousClock.now
                milliseconds = Int32(clamping: max(0, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            }
            let result = poll(&descriptors, 2, milliseconds)
            if result >= 0 || errno != EINTR { break }
        }
        let ready = Int16(POLLIN | POLLOUT | POLLERR | POLLHUP)
        return (descriptors[0].revents & Int16(POLLIN) != 0, descriptors[1].revents & ready != 0)
    }
}

extension ConnectionConfiguration {
    /// The connect timeout in seconds, from the URL, else `PGCONNECT_TIMEOUT`, else the
    /// default; nil for none (0, as libpq reads it). As in libpq, at least 2 s.
    var connectTimeout: Int? {
        let setting = options["connect_timeout"] ?? ProcessInfo.processInfo.environment["PGCONNECT_TIMEOUT"]
        let seconds = setting.flatMap { Int($0.trimmed) } ?? ConnectionCore.defaultConnectTimeout
        return seconds <= 0 ? nil : max(2, seconds)
    }
}

/// Calls `body` with a NULL-terminated C array of the strings.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
