import CLibPQ
import Foundation

extension ConnectionCore {
    /// Session settings every connection gets, so that values read back the same way
    /// whatever the server's defaults: ISO dates, UTC, floats that round-trip.
    static let sessionSettings = "SET DateStyle = ISO; SET TimeZone = 'UTC'; SET extra_float_digits = 3"

    /// Opens the connection on this thread; on failure the `PGconn` is freed at once.
    func connect(_ configuration: ConnectionConfiguration) throws {
        self.configuration = configuration
        let keywords = ["dbname", "client_encoding", "fallback_application_name"] + configuration.overrides.map(\.key)
        let values = [configuration.conninfo, "UTF8", "baton"] + configuration.overrides.map(\.value)
        let pointer = withCStringArray(keywords) { keywords in
            withCStringArray(values) { values in PQconnectdbParams(keywords, values, 1) }
        }
        guard let pointer else {
            throw PostgresError(code: .connectionFailed, message: "libpq could not allocate a connection")
        }
        let handle = ConnectionHandle(pointer)
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
}

/// Calls `body` with a NULL-terminated C array of the strings.
func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) } + [nil]
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
