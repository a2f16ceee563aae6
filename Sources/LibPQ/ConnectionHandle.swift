import CLibPQ

/// Owns one `PGconn` and its cancel object, and frees both exactly once.
///
/// Made as soon as `PQconnectdbParams` returns, so a failed connect is freed too.
/// Used only on its connection's own thread.
final class ConnectionHandle {
    let pointer: OpaquePointer
    private(set) var cancel: OpaquePointer?

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    var isConnected: Bool { PQstatus(pointer) == CONNECTION_OK }

    /// Makes the cancel object once the connection is up (it needs the server's key).
    func prepareCancel() {
        cancel = PQgetCancel(pointer)
    }

    /// libpq's last error message for this connection.
    var errorMessage: String {
        guard let message = PQerrorMessage(pointer) else { return "unknown libpq error" }
        return String(cString: message).trimmed
    }

    deinit {
        if let cancel { PQfreeCancel(cancel) }
        PQfinish(pointer)
    }
}
