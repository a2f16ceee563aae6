import CLibPQ

extension ConnectionCore {
    /// Runs `COPY ... FROM STDIN` and sends `rows` (on this connection's thread).
    /// - Returns: the rows the server copied.
    func copyIn(_ sql: String, _ rows: CopyRows) throws -> Int {
        guard let handle else { throw PostgresError.closed }
        let connection = handle.pointer
        guard PQsendQuery(connection, sql) == 1 else { throw failure(sending: sql) }
        while PQisBusy(connection) != 0 {
            let ready = waitReadable(socket: PQsocket(connection))
            if ready.wake { drainWake() }
            if ready.socket, PQconsumeInput(connection) == 0 { throw failure(sending: sql) }
        }
        // The first result is COPY_IN when the server accepted the statement; anything else
        // (a missing table, a statement that is not COPY FROM STDIN) ends in an error.
        guard let pointer = PQgetResult(connection) else { throw failure(sending: sql) }
        let first = QueryResult(pointer)
        let status = PQresultStatus(pointer)
        guard status == PGRES_COPY_IN else {
            let error = status == PGRES_FATAL_ERROR ? serverError(first, statement: sql)
                : PostgresError.misuse("copy() runs COPY ... FROM STDIN, not: \(sql.prefix(200))")
            if status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH {
                discardCopyOutput(connection)
            }
            _ = try? readResults(of: sql)
            throw error
        }
        // Sent in pieces, so that a cancel request is seen between them.
        let chunk = 1 << 20
        var abandoned: String?
        rows.bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count, abandoned == nil {
                if isCancelRequested {
                    abandoned = "canceling statement due to user request"
                    break
                }
                let length = min(chunk, buffer.count - offset)
                let sent = buffer.baseAddress!.advanced(by: offset).withMemoryRebound(to: CChar.self, capacity: length) {
                    PQputCopyData(connection, $0, Int32(length))
                }
                if sent != 1 { abandoned = "" }
                offset += length
            }
        }
        if abandoned == "" { throw failure(sending: sql) }
        guard PQputCopyEnd(connection, abandoned) == 1 else { throw failure(sending: sql) }
        return try readResults(of: sql).affectedRows
    }
}
