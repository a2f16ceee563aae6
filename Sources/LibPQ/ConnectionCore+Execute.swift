import CLibPQ

extension ConnectionCore {
    /// Sends a statement and reads all its results, sleeping on the socket between reads.
    ///
    /// While it waits, a cancel request from the caller's task sends libpq's cancel to the
    /// server; the statement then fails with `.queryCanceled`.
    /// - Returns: the last result; earlier ones of a script are dropped.
    func run(_ statement: Statement) throws -> QueryResult {
        guard let handle else { throw PostgresError.closed }
        let connection = handle.pointer
        if case .prepared(let prepared, let parameters) = statement, !configuration.preparedStatements {
            return try run(.text(prepared.sql, parameters))
        }
        if case .prepared(let prepared, let parameters) = statement {
            try prepare(prepared, types: parameters.map(\.type))
        }
        let sent: Int32 = switch statement {
        case .script(let sql):
            PQsendQuery(connection, sql)
        case .text(let sql, let parameters):
            parameters.withLibPQArrays { count, types, values, lengths, formats in
                PQsendQueryParams(connection, sql, count, types, values, lengths, formats, 0)
            }
        case .prepared(let prepared, let parameters):
            parameters.withLibPQArrays { count, _, values, lengths, formats in
                PQsendQueryPrepared(connection, prepared.name, count, values, lengths, formats, 0)
            }
        }
        guard sent == 1 else { throw failure(sending: statement.label) }
        return try readResults(of: statement.label)
    }

    func prepare(_ statement: PreparedStatement, types: [UInt32]) throws {
        if let known = preparedStatements[statement.name] {
            guard known == statement.sql else {
                throw PostgresError.misuse(
                    "prepared statement \"\(statement.name)\" already exists on this connection with other SQL")
            }
            return
        }
        guard let handle else { throw PostgresError.closed }
        let sent = PQsendPrepare(handle.pointer, statement.name, statement.sql, Int32(types.count), types)
        guard sent == 1 else { throw failure(sending: statement.sql) }
        _ = try readResults(of: statement.sql)
        preparedStatements[statement.name] = statement.sql
    }

    func readResults(of label: String) throws -> QueryResult {
        guard let handle else { throw PostgresError.closed }
        let connection = handle.pointer
        var last: QueryResult?
        var error: PostgresError?
        var cancelSent = false
        while true {
            while PQisBusy(connection) != 0 {
                let ready = waitReadable(socket: PQsocket(connection), until: answerDeadline?.at)
                if ready.wake { drainWake() }
                if let (deadline, limit) = answerDeadline, ContinuousClock.now >= deadline {
                    throw abandon(label, answerLimit: limit, cancelled: cancelSent)
                }
                if ready.wake, !cancelSent, isCancelRequested {
                    sendCancel()
                    cancelSent = true
                }
                if ready.socket, PQconsumeInput(connection) == 0 {
                    throw failure(sending: label)
                }
            }
            guard let pointer = PQgetResult(connection) else { break }
            let result = QueryResult(pointer)
            switch PQresultStatus(pointer) {
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                last = result
            case PGRES_COPY_IN:
                PQputCopyEnd(connection, "COPY FROM STDIN is not supported by query()")
            case PGRES_COPY_OUT, PGRES_COPY_BOTH:
                discardCopyOutput(connection)
                error = error ?? .misuse("COPY TO STDOUT is not supported by query()")
            default:
                error = error ?? serverError(result, statement: label)
            }
        }
        deliverNotifications()
        updateSnapshot()
        if let error {
            if error.code == .connectionLost { connectionBroke(error) }
            throw error
        }
        return last ?? QueryResult(nil)
    }

    func discardCopyOutput(_ connection: OpaquePointer) {
        var buffer: UnsafeMutablePointer<CChar>?
        while PQgetCopyData(connection, &buffer, 0) >= 0 {
            if let buffer { PQfreemem(buffer) }
            buffer = nil
        }
    }

    /// Closes the connection under a statement that was not answered in time (cancelled or
    /// not): the server, or the network to it, is gone.
    private func abandon(_ label: String, answerLimit limit: Duration, cancelled: Bool) -> PostgresError {
        let error = PostgresError(
            code: .connectionLost,
            message: "no answer from the server within \(limit)\(cancelled ? ", not even to a cancel request" : ""); "
                + "the connection was closed",
            statement: label)
        connectionBroke(error)
        handle = nil
        snapshot.withLock { $0.wentUnanswered = true }
        updateSnapshot()
        return error
    }

    /// Asks the server to cancel the running statement (blocks this thread briefly).
    private func sendCancel() {
        guard let cancel = handle?.cancel else { return }
        var message = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancel, &message, Int32(message.count))
    }

    /// The error for a statement that could not be sent or read: usually a lost connection.
    func failure(sending label: String) -> PostgresError {
        let message = configuration.redact(handle?.errorMessage ?? "the connection is closed")
        updateSnapshot()
        let lost = handle.map { PQstatus($0.pointer) != CONNECTION_OK } ?? true
        let error = PostgresError(
            code: lost ? .connectionLost : .misuse, message: message, statement: label)
        if lost { connectionBroke(error) }
        return error
    }

    func serverError(_ result: QueryResult, statement: String) -> PostgresError {
        func field(_ code: Character) -> String? {
            guard let pointer = result.pointer,
                  let value = PQresultErrorField(pointer, Int32(code.asciiValue!))
            else { return nil }
            return String(cString: value)
        }
        let broken = handle.map { PQstatus($0.pointer) != CONNECTION_OK } ?? true
        let sqlState = field("C")
        let message = field("M") ?? result.pointer.flatMap { PQresultErrorMessage($0) }.map { String(cString: $0).trimmed }
            ?? "unknown error"
        var error = PostgresError(
            code: broken ? .connectionLost : PostgresError.Code(sqlState ?? "unknown"),
            message: configuration.redact(message), sqlState: sqlState,
            detail: field("D"), hint: field("H"), statement: statement
        )
        error.position = field("P").flatMap { Int($0) }
        return error
    }
}
